"""Rows for the content tests: a tracked account, scrapes with a follower
history, and listing items in the wire's shape."""

from __future__ import annotations

import datetime as dt
import itertools

from accounts_app.models import IgUser, TrackedAccount
from content.models import ContentPart
from scraping.instagram.types import Media
from scraping.models import Scrape, ScrapeStats

UTC = dt.UTC
_pks = itertools.count(90_000_000)


def day(n: int, hour: int = 12) -> dt.datetime:
    """Day n of a fixed calendar (day 0 = Monday 2026-01-05), in UTC."""
    return dt.datetime(2026, 1, 5, hour, tzinfo=UTC) + dt.timedelta(days=n)


def target(username: str = "creator", followers: int | None = 1000) -> TrackedAccount:
    user = IgUser.objects.create(ig_pk=next(_pks), username=username)
    return TrackedAccount.objects.create(user=user, follower_count=followers)


def scrape(
    account: TrackedAccount,
    when: dt.datetime,
    *,
    followers: int | None = None,
    listed: int | None = None,
    stats: bool = True,
) -> Scrape:
    """A finished scrape at `when`; with `stats`, its statistics row as
    finalise writes it (profile count on the scrape, listed count on stats)."""
    made = Scrape.objects.create(
        target=account,
        status=Scrape.Status.SUCCEEDED,
        created_at=when,
        started_at=when,
        finished_at=when,
        profile_follower_count=followers,
    )
    if stats:
        ScrapeStats.objects.create(scrape=made, target=account, taken_at=when, followers=listed)
    return made


def part(run: Scrape, **fields: object) -> ContentPart:
    return ContentPart.objects.create(scrape=run, **fields)


def media(
    pk: int,
    taken_at: dt.datetime,
    *,
    likes: int | None = 10,
    comments: int | None = 1,
    plays: int | None = None,
    views: int | None = None,
    product_type: str = "feed",
    caption: str = "",
    duration: float | None = None,
    coauthors: tuple[str, ...] = (),
) -> Media:
    return Media(
        pk=pk,
        shortcode=f"C{pk}",
        owner_pk=1,
        product_type=product_type,
        media_type=2 if product_type == "clips" else 1,
        taken_at=taken_at,
        caption=caption,
        likes=likes,
        comments=comments,
        plays=plays,
        ig_plays=plays,
        views=views,
        duration=duration,
        coauthors=coauthors,
        thumbnail_url=f"https://cdn.example/{pk}.jpg",
    )
