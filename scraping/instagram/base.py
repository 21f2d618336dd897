"""The one interface all Instagram clients share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Literal, Protocol

from scraping.instagram.endpoints import Direction
from scraping.instagram.errors import RepeatedCursor
from scraping.instagram.types import CommentPage, Media, MediaPage, Page, Profile, UserRecord

MediaListing = Literal["feed", "clips"]

# Called with an endpoint family ("web_api", "graphql", "mobile_api") before every
# HTTP request. It may sleep, or raise RateLimited to stop the request being sent.
Pacer = Callable[[str], None]


class InstagramClient(Protocol):
    name: str

    def get_profile(self, username: str) -> Profile: ...

    def list_page(self, user_pk: int, direction: Direction, cursor: str | None) -> Page: ...


def collect_list(
    client: InstagramClient, user_pk: int, direction: Direction, *, max_pages: int | None = None
) -> tuple[list[UserRecord], bool]:
    """Page through a whole list, de-duplicated on pk, in Instagram's order.

    Returns the users and whether Instagram capped the list. The scrape engine pages
    itself (it checkpoints every page); this serves commands and tests.
    """
    seen: set[int] = set()
    users: list[UserRecord] = []
    capped = False
    cursor: str | None = None
    pages = 0
    while True:
        page = client.list_page(user_pk, direction, cursor)
        pages += 1
        capped = capped or page.capped
        for user in page.users:
            if user.pk not in seen:
                seen.add(user.pk)
                users.append(user)
        cursor = page.next_cursor
        if cursor is None or (max_pages is not None and pages >= max_pages):
            return users, capped


class ContentClient(Protocol):
    """Posts and reels (docs/instagram-wire.md section 8). The private and web clients
    implement it; not every InstagramClient does (the engine's test fakes do not)."""

    name: str

    def feed_page(self, user_pk: int, cursor: str | None) -> MediaPage: ...

    def clips_page(self, user_pk: int, cursor: str | None) -> MediaPage: ...

    def media_info(self, pk: int) -> Media: ...


def collect_media(
    client: ContentClient, user_pk: int, listing: MediaListing, *, max_pages: int | None = None
) -> tuple[list[Media], bool]:
    """Page through the feed or the reels of an account, de-duplicated on pk, newest
    first as Instagram sends them. Returns the media and whether the listing is complete
    (False when max_pages stopped it, or Instagram claimed more without a cursor).
    Raises RepeatedCursor instead of looping when a page repeats the cursor it was sent.
    """
    fetch = client.feed_page if listing == "feed" else client.clips_page
    seen: set[int] = set()
    items: list[Media] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = fetch(user_pk, cursor)
        pages += 1
        for media in page.items:
            if media.pk not in seen:
                seen.add(media.pk)
                items.append(media)
        if page.next_cursor is None:
            return items, not page.more
        if page.next_cursor == cursor:
            raise RepeatedCursor(status=200)
        if max_pages is not None and pages >= max_pages:
            return items, False
        cursor = page.next_cursor


_MERGED_COUNTS = ("likes", "comments", "plays", "ig_plays", "views", "duration")


def merge_media(first: Media, other: Media) -> Media:
    """The same post seen twice (a reel in the feed and in the reels tab): the first
    sighting, with the counts it lacked taken from the other."""
    missing = {
        name: getattr(other, name)
        for name in _MERGED_COUNTS
        if getattr(first, name) is None and getattr(other, name) is not None
    }
    return replace(first, **missing) if missing else first


def collect_posts(client: ContentClient, user_pk: int) -> tuple[list[Media], bool]:
    """Every post and reel of an account: the feed plus the reels tab, one Media per pk,
    newest first. Returns them and whether both listings were complete."""
    feed, feed_complete = collect_media(client, user_pk, "feed")
    clips, clips_complete = collect_media(client, user_pk, "clips")
    by_pk = {media.pk: media for media in feed}
    for media in clips:
        known = by_pk.get(media.pk)
        by_pk[media.pk] = media if known is None else merge_media(known, media)
    posts = sorted(by_pk.values(), key=lambda media: (media.taken_at, media.pk), reverse=True)
    return posts, feed_complete and clips_complete


class CommentClient(Protocol):
    """A post's comments (docs/instagram-wire.md section 9). The private client pages
    both ways and fetches every reply thread; the web client pages older comments
    only (the GraphQL query, capped at 50) and sees the first replies of a thread.
    """

    name: str
    # Whether replies_page works (False: only the replies an answer shows inline).
    fetches_replies: bool
    # Whether comments_page accepts min_id (the newer comments since a known one).
    pages_newer: bool

    def comments_page(
        self, media_pk: int, *, max_id: str | None = None, min_id: str | None = None
    ) -> CommentPage: ...

    def replies_page(self, media_pk: int, comment_pk: int, cursor: str | None) -> CommentPage: ...
