"""Starting a scrape with posts and reels: the content part's options (all
posts, the last N, or those since a date) stored beside the scrape, in the
transaction that creates it, so the engine never runs it without them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.utils import timezone

from accounts_app.models import TrackedAccount
from content.models import ContentPart, NightlyContent
from core.models import AppSettings
from scraping import services
from scraping.models import Scrape
from scraping.services import ScrapeError

# A "last N" of more than this is "all posts": nobody has more.
MAX_POSTS = 100_000
FIRST_POST_DAY = dt.date(2010, 1, 1)


def content_options(
    posts: int | None, since: dt.date | None
) -> tuple[str, int | None, dt.datetime | None]:
    """(mode, limit, since) of a content part, or ScrapeError with the reason."""
    if posts is not None and since is not None:
        raise ScrapeError("Choose the last N posts or posts since a date, not both.")
    if posts is not None:
        if not 1 <= posts <= MAX_POSTS:
            raise ScrapeError(f"The number of posts must be between 1 and {MAX_POSTS:,}.")
        return ContentPart.Mode.LAST, posts, None
    if since is not None:
        # No post predates Instagram (2010): an older date lists all the same, and
        # midnight of 0001-01-01 east of UTC would be year 0 in the database.
        since = max(since, FIRST_POST_DAY)
        start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
        if start > timezone.now():
            raise ScrapeError(f"{since.isoformat()} is in the future: no post is that new yet.")
        return ContentPart.Mode.SINCE, None, start
    return ContentPart.Mode.ALL, None, None


def create_scrape(
    handle: str,
    *,
    lists: str = Scrape.Lists.NONE,
    posts: int | None = None,
    since: dt.date | None = None,
    trigger: str = Scrape.Trigger.MANUAL,
    use_private_login: bool = True,
    source: str = Scrape.Source.AUTO,
    fresh: bool = False,
) -> Scrape:
    """A scrape of `handle` with its posts and reels (and the follower lists in
    `lists`, none by default). Raises ScrapeError like scraping's create_scrape.

    `fresh`: ask Instagram again instead of using its answers of the last day
    (scraping/services/answer_cache.py)."""
    mode, limit, start = content_options(posts, since)
    return services.create_scrape(
        handle,
        lists=lists,
        trigger=trigger,
        use_private_login=use_private_login,
        source=source,
        add_parts=part_adder(mode, limit, start),
        fresh=fresh,
    )


def nightly_parts(target: TrackedAccount) -> Callable[[Scrape], object] | None:
    """The nightly refresh's content part for `target` (registered with
    scraping.services.extra_parts): posts since CONTENT_NIGHTLY_WINDOW_DAYS days
    ago when the owner switched nightly content on, else None. A "since" window
    stops paging once a listing passes that date (content.runner.window_done),
    so an account with thousands of posts costs a page or two a listing."""
    if not NightlyContent.objects.filter(target=target).exists():
        return None
    start = timezone.now() - dt.timedelta(days=settings.CONTENT_NIGHTLY_WINDOW_DAYS)
    return part_adder(ContentPart.Mode.SINCE, None, start)


def part_adder(mode: str, limit: int | None, since: dt.datetime | None) -> Callable[[Scrape], None]:
    """What adds a scrape's content part (the window asked for, and the owner's
    play-count switch as it is now) in the transaction that creates the scrape."""
    fetch_plays = AppSettings.load().fetch_play_counts

    def add_content(scrape: Scrape) -> None:
        ContentPart.objects.create(
            scrape=scrape, mode=mode, limit=limit, since=since, fetch_plays=fetch_plays
        )

    return add_content


def set_nightly(target: TrackedAccount, on: bool) -> None:
    """The owner's switch: posts and reels in the nightly refresh of `target`."""
    if on:
        NightlyContent.objects.get_or_create(target=target)
    else:
        NightlyContent.objects.filter(target=target).delete()
