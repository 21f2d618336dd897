"""The content part of a scrape: lists the target's posts (the grid) and reels
(the reels tab) page by page, inside the scrape engine's run.

It is registered with scraping.services.extra_parts (content/apps.py), so the
engine runs it after the follower lists with the same client, login and shared
limiter, and its Instagram failures end the scrape in the same states as a
list's (429: waiting and resumed; logout: needs attention; network: retried).
Each page is stored with its checkpoint in one transaction (content.store), so
a resumed run goes on from the stored cursor and stores nothing twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from content import store
from content.models import ContentPart, Listing, Post, ProductType
from scraping.instagram.errors import EmptyEdgesFailure, NotFound, RepeatedCursor
from scraping.instagram.types import Media, MediaPage
from scraping.models import Scrape
from scraping.services.extra_parts import ExtraProgress

if TYPE_CHECKING:
    from scraping.services.engine import Run

NO_CONTENT_CLIENT = "the {client} client cannot list posts"


class ContentScrapePart:
    """What scraping.services.extra_parts expects of a part."""

    label = "posts and reels"

    def wanted(self, scrape: Scrape) -> bool:
        return ContentPart.objects.filter(scrape_id=scrape.pk).exists()

    def page_through(self, run: Run, target_pk: int) -> None:
        part = ContentPart.objects.get(scrape_id=run.scrape.pk)
        client = run.client
        if client is None or not hasattr(client, "feed_page"):
            name = getattr(client, "name", "chosen")
            _give_up(part, NO_CONTENT_CLIENT.format(client=name))
            return
        if part.started_at is None:
            part.started_at = timezone.now()
            ContentPart.objects.filter(pk=part.pk).update(started_at=part.started_at)
        for listing in part.listings:
            _page_listing(run, part, listing, target_pk)
        if part.fetch_plays and not part.incomplete_reason:
            fetch_play_counts(run, part)

    def progress(self, scrape: Scrape) -> ExtraProgress | None:
        part = ContentPart.objects.filter(scrape_id=scrape.pk).first()
        if part is None:
            return None
        line = progress(part)
        now = timezone.now()
        if line.seconds_left is not None and scrape.resume_at and scrape.resume_at > now:
            # Paused (rate limit, retry): nothing moves before it resumes.
            wait = (scrape.resume_at - now).total_seconds()
            line = dataclasses.replace(line, seconds_left=max(line.seconds_left, wait))
        return line

    def finalise(self, scrape: Scrape) -> str:
        part = ContentPart.objects.get(scrape_id=scrape.pk)
        part = store.finalise(scrape, part)
        return "" if part.complete else part.incomplete_reason


def _page_listing(run: Run, part: ContentPart, listing: str, target_pk: int) -> None:
    state = part.state(listing)
    if state["exhausted"] or window_done(part, listing):
        return
    cursor = state["cursor"] or None
    if state["pages"] and cursor is None:
        return  # Instagram claimed more but sent no cursor: judged partial at finalise
    fetch = run.client.feed_page if listing == Listing.FEED else run.client.clips_page  # type: ignore[union-attr]
    while True:
        try:
            page: MediaPage = fetch(target_pk, cursor)
        except (RepeatedCursor, EmptyEdgesFailure) as exc:
            _give_up(part, f"{Listing(listing).label.lower()}: {exc.message}")
            return
        store.store_page(
            run.scrape,
            part,
            _in_window(part, listing, page.items),
            listing=listing,
            next_cursor=page.next_cursor,
            more=page.more,
            worker=run.worker,
        )
        if page.next_cursor is None or window_done(part, listing):
            return
        if page.next_cursor == cursor:
            _give_up(
                part, f"{Listing(listing).label.lower()}: Instagram sent the same cursor twice"
            )
            return
        cursor = page.next_cursor


def reels_without_plays(part: ContentPart) -> list[int]:
    """The media pks of the reels this scrape listed whose play count it does not
    know, past the fetch's checkpoint, in the order they are asked for."""
    reels = Post.objects.filter(
        last_seen_id=part.scrape_id,
        product_type=ProductType.CLIPS,
        metrics__ended_by__isnull=True,
        metrics__plays__isnull=True,
    )
    if part.info_cursor is not None:
        reels = reels.filter(ig_pk__lt=part.info_cursor)
    return list(reels.order_by("-ig_pk").values_list("ig_pk", flat=True))


def fetch_play_counts(run: Run, part: ContentPart) -> None:
    """The owner's opt-in play-count fetch: media info of each reel the listings
    left without a play count, one request a reel through the run's client (so
    the same limiter), each answer stored with the fetch's checkpoint, so a
    resumed run asks only for the reels after it. A 429 or a logout ends the run
    as a listing's would; a reel Instagram no longer has is skipped."""
    info = getattr(run.client, "media_info", None)
    if info is None:
        return
    for pk in reels_without_plays(part):
        try:
            media: Media | None = info(pk)
        except NotFound:
            media = None
        store.store_info(run.scrape, part, pk, media, worker=run.worker)


def _in_window(part: ContentPart, listing: str, items: list[Media]) -> list[Media]:
    """A "last N" listing keeps only the N first items it is shown (the page may
    hold more); every other listing keeps the whole page."""
    if part.mode == ContentPart.Mode.LAST and part.limit:
        return items[: max(part.limit - part.state(listing)["items"], 0)]
    return items


def window_done(part: ContentPart, listing: str) -> bool:
    """Whether a "last N" or "since" listing has listed its whole window (the same
    rule content.store.judge applies at the end)."""
    state = part.state(listing)
    if part.mode == ContentPart.Mode.LAST and part.limit:
        return state["items"] >= part.limit
    if part.mode == ContentPart.Mode.SINCE and part.since:
        frontier = state["frontier"]
        return frontier is not None and frontier < part.since
    return False


def _give_up(part: ContentPart, reason: str) -> None:
    """The part cannot go further: what was stored stays; finalise judges it partial."""
    part.incomplete_reason = reason[:255]
    with transaction.atomic():
        ContentPart.objects.filter(pk=part.pk).update(incomplete_reason=part.incomplete_reason)


def done_fraction(part: ContentPart, now: dt.datetime) -> float | None:
    """How much of its window the part has listed, 0 to 1; None when it cannot
    tell (all posts: Instagram's answers do not say how many there are).

    Last N: the posts listed out of N per listing (a listing that ran out
    counts as done). Since a date: how far each listing's frontier (the date of
    the last post it listed) went back from now towards the date. The mean of
    the listings asked for."""
    shares = []
    for listing in part.listings:
        state = part.state(listing)
        if state["exhausted"] or window_done(part, listing):
            shares.append(1.0)
        elif part.mode == ContentPart.Mode.LAST and part.limit:
            shares.append(min(state["items"] / part.limit, 1.0))
        elif part.mode == ContentPart.Mode.SINCE and part.since:
            frontier, span = state["frontier"], (now - part.since).total_seconds()
            went = (now - frontier).total_seconds() if frontier else 0.0
            shares.append(min(max(went / span, 0.0), 1.0) if span > 0 else 1.0)
        else:
            return None
    return sum(shares) / len(shares) if shares else None


def progress(part: ContentPart, now: dt.datetime | None = None) -> ExtraProgress:
    """The part's line in the scrape's progress. The time left is the time spent
    so far scaled by what is left: elapsed x (1 - done) / done, from the first
    page asked for (waits for the rate limit included, as they will recur); no
    estimate before the first page or when the share done is unknown."""
    now = now or timezone.now()
    pages = sum(part.state(listing)["pages"] for listing in part.listings)
    posts = part.fetched  # distinct posts (a reel in both listings is one)
    summary = f"{_count(posts, 'post')} listed · {_count(pages, 'page')}"
    if part.complete is not None:
        summary = result(part)
    done = None if part.complete is not None else done_fraction(part, now)
    percent = None if done is None else round(100 * done)
    left = None
    if done is not None and part.started_at and pages and 0 < done < 1:
        elapsed = (now - part.started_at).total_seconds()
        left = max(elapsed * (1 - done) / done, 0.0)
    elif done is not None and done >= 1:
        left = 0.0
    fetching = _fetching_plays(part, done)
    if fetching is not None:  # the listings are done; the play counts go on
        asked, remaining = fetching
        summary += f" · play counts {asked:,} of {asked + remaining:,}"
        percent = round(100 * asked / (asked + remaining)) if asked + remaining else 100
        left = None
    return ExtraProgress(
        name=ContentScrapePart.label,
        fetched=posts,
        pages=pages,
        summary=summary,
        percent=percent,
        seconds_left=left,
        complete=part.complete,
        reason=part.incomplete_reason if part.complete is False else "",
    )


def _fetching_plays(part: ContentPart, done: float | None) -> tuple[int, int] | None:
    """(answered, still to ask) while the play-count fetch runs, else None."""
    if not part.fetch_plays or part.complete is not None or part.incomplete_reason:
        return None
    if done is None or done < 1:
        return None
    return part.info_fetched, len(reels_without_plays(part))


def result(part: ContentPart) -> str:
    """What a judged part did, in the owner's words: the posts seen, how many
    were new, how many it marked removed (only a complete listing removes), and
    the play counts it asked for."""
    removed = f"{part.removed:,} removed" if part.complete else "removals not judged"
    text = f"{_count(part.fetched, 'post')} seen · {part.new_posts:,} new · {removed}"
    if part.info_fetched:
        text += f" · {_count(part.info_fetched, 'play count')} fetched"
    return text


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
