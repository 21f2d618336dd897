"""Starting a scrape with comments: a content part (the last N posts, so the
posts are fresh) and a comments part for those N, stored beside the scrape in
the transaction that creates it; the nightly switch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings

from accounts_app.models import TrackedAccount
from audience.models import CommentPart, NightlyComments
from content import services as content_services
from content.models import ContentPart
from scraping import services
from scraping.models import Scrape
from scraping.services import ScrapeError

MAX_POSTS = content_services.MAX_POSTS


def posts_option(posts: int | None) -> int:
    """The N of "the comments of the last N posts", or ScrapeError."""
    if posts is None:
        return int(settings.AUDIENCE_POSTS)
    if not 1 <= posts <= MAX_POSTS:
        raise ScrapeError(f"The number of posts must be between 1 and {MAX_POSTS:,}.")
    return posts


ContentWindow = tuple[str, int | None, dt.datetime | None]


def add_parts(posts: int, content: ContentWindow | None = None) -> Callable[[Scrape], object]:
    """The parts of a comments scrape: a posts part (the window asked for, else
    the last `posts` posts) unless the scrape has one, and the comments part."""

    def add(scrape: Scrape) -> None:
        if not ContentPart.objects.filter(scrape=scrape).exists():
            mode, limit, since = content or (ContentPart.Mode.LAST, posts, None)
            content_services.part_adder(mode, limit, since)(scrape)
        CommentPart.objects.create(scrape=scrape, posts=posts)

    return add


def create_scrape(
    handle: str,
    *,
    posts: int | None = None,
    lists: str = Scrape.Lists.NONE,
    trigger: str = Scrape.Trigger.MANUAL,
    use_private_login: bool = True,
    source: str = Scrape.Source.AUTO,
    content: ContentWindow | None = None,
    fresh: bool = False,
) -> Scrape:
    """A scrape of `handle` with the comments of its last `posts` posts
    (AUDIENCE_POSTS by default) and the follower lists in `lists` (none by
    default). Raises ScrapeError like scraping's create_scrape. `fresh`: ask
    Instagram again instead of using its answers of the last day."""
    count = posts_option(posts)
    return services.create_scrape(
        handle,
        lists=lists,
        trigger=trigger,
        use_private_login=use_private_login,
        source=source,
        add_parts=add_parts(count, content),
        fresh=fresh,
    )


def nightly_parts(target: TrackedAccount) -> Callable[[Scrape], object] | None:
    """The nightly refresh's comments part for `target` (registered with
    scraping.services.extra_parts, after content's hook): the comments of the
    last AUDIENCE_POSTS posts when the owner switched nightly comments on. A
    re-run asks each post only for its newer comments where the wire allows."""
    if not NightlyComments.objects.filter(target=target).exists():
        return None
    return add_parts(int(settings.AUDIENCE_POSTS))


def set_nightly(target: TrackedAccount, on: bool) -> None:
    if on:
        NightlyComments.objects.get_or_create(target=target)
    else:
        NightlyComments.objects.filter(target=target).delete()
