"""Instagram's profile and posts-listing answers, kept for a day.

A second analysis of the same account within INSTAGRAM_CACHE_HOURS (24 by
default) sends no request for its profile or its listing pages: the scrape
engine wraps every client it opens (engine.Run.use) in a CachedClient, which
answers `get_profile`, `feed_page`, `clips_page` and `media_info` from Django's
cache alias "instagram" (Redis, or files in the data folder: settings.CACHES)
and stores each fresh answer there.

What is kept, and what never is (docs/decisions.md, "A day's cache of
Instagram's answers"):

- the parsed answers (Profile, MediaPage, Media) as plain JSON-shaped values,
  never the HTTP answer: no cookie, header or token can be in them;
- keyed by the Instagram hosts igdash talks to (the simulator's answers never
  stand for Instagram's), the kind of client and login (web, web without a
  login, legacy GraphQL, private: their answers do not carry the same fields),
  the call, the account (username or pk) and the cursor;
- never a failure (an exception is not an answer), nor a page that cannot be
  trusted as a whole: one that claims more without a cursor, that sends back
  the cursor it was given, or that lists nothing (Instagram refusing looks
  exactly like that);
- follower lists never: a list is what a scrape measures, and a day-old page
  would record the wrong people as new or lost.

A scrape with follower lists reads its profile fresh (the lists are checked
against the profile's counts) but still stores it; a scrape marked `fresh`
(the owner's "Fresh data", `igdash scrape --fresh`, every nightly refresh)
reads nothing from the cache and stores what it gets.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import caches

from scraping.instagram.base import InstagramClient
from scraping.instagram.endpoints import Direction
from scraping.instagram.types import Media, MediaPage, Page, Profile

log = logging.getLogger(__name__)

ALIAS = "instagram"
# Bumped when the stored shape changes: older entries are then never read.
VERSION = 1
LISTINGS = ("feed_page", "clips_page", "media_info")


def enabled() -> bool:
    return int(settings.INSTAGRAM_CACHE_HOURS) > 0


def _hosts() -> str:
    """The Instagram igdash talks to, in the key: answers of the simulator and of
    the real Instagram never stand for each other."""
    hosts = f"{settings.INSTAGRAM_WEB_URL}|{settings.INSTAGRAM_API_URL}"
    return hashlib.sha256(hosts.encode()).hexdigest()[:12]


def key(kind: str, call: str, subject: str | int, cursor: str | None = None) -> str:
    """The cache key of one answer. `subject`: the username of a profile, the user
    pk of a listing, the media pk of media_info. Hashed: cursors are long and
    opaque, and Redis and file names take any length of hex."""
    raw = f"{_hosts()}|{kind}|{call}|{str(subject).lower()}|{cursor or ''}"
    return f"ig:v{VERSION}:{hashlib.sha256(raw.encode()).hexdigest()}"


# --- What is stored: plain values, rebuilt into the clients' dataclasses -------------


def _media_value(media: Media) -> dict[str, Any]:
    value = dataclasses.asdict(media)
    value["taken_at"] = media.taken_at.isoformat()
    value["coauthors"] = list(media.coauthors)
    return value


def _media(value: dict[str, Any]) -> Media:
    return Media(
        **{
            **value,
            "taken_at": dt.datetime.fromisoformat(value["taken_at"]),
            "coauthors": tuple(value["coauthors"]),
        }
    )


def encode(answer: Profile | MediaPage | Media) -> dict[str, Any]:
    if isinstance(answer, Profile):
        return {"profile": dataclasses.asdict(answer)}
    if isinstance(answer, MediaPage):
        return {
            "page": {
                "items": [_media_value(media) for media in answer.items],
                "next_cursor": answer.next_cursor,
                "more": answer.more,
            }
        }
    return {"media": _media_value(answer)}


def decode(value: Any) -> Profile | MediaPage | Media | None:
    """The answer a stored value holds; None for anything unreadable (a value
    of another igdash version, a damaged file): it is then asked again."""
    try:
        if "profile" in value:
            return Profile(**value["profile"])
        if "page" in value:
            page = value["page"]
            return MediaPage(
                items=[_media(item) for item in page["items"]],
                next_cursor=page["next_cursor"],
                more=bool(page["more"]),
            )
        return _media(value["media"])
    except (TypeError, KeyError, ValueError):
        return None


def storable(answer: Profile | MediaPage | Media, cursor: str | None = None) -> bool:
    """Whether an answer may be kept: a page only when it can be trusted whole."""
    if not isinstance(answer, MediaPage):
        return True
    if not answer.items:
        return False  # an empty page may be Instagram refusing
    if answer.more and answer.next_cursor is None:
        return False  # more claimed, no cursor: a listing cut short
    return not (cursor is not None and answer.next_cursor == cursor)  # a loop


def get(cache_key: str) -> Profile | MediaPage | Media | None:
    try:
        value = caches[ALIAS].get(cache_key)
    except Exception:  # the cache is an optimisation: a broken one is a miss
        log.warning("the Instagram answer cache could not be read", exc_info=True)
        return None
    return None if value is None else decode(value)


def put(cache_key: str, answer: Profile | MediaPage | Media) -> None:
    try:
        caches[ALIAS].set(cache_key, encode(answer))
    except Exception:
        log.warning("the Instagram answer cache could not be written", exc_info=True)


def clear() -> None:
    """Forget every kept answer (tests). On Redis only igdash's answer keys go:
    the server may hold the broker's queues too, which a FLUSHDB would erase."""
    cache = caches[ALIAS]
    client = getattr(getattr(cache, "_cache", None), "get_client", None)
    if client is None:  # the file cache: a folder of its own
        cache.clear()
        return
    redis = client(write=True)
    for name in redis.scan_iter(match=cache.make_key("ig:*")):
        redis.delete(name)


class CachedClient:
    """A client whose profile and posts-listing answers go through the cache.

    `read_profile` / `read_listings`: whether a cached answer may stand for a
    request (False: ask Instagram, then store the answer). Every other call
    (follower lists, the pk lookup of a renamed account, closing) goes straight
    to the wrapped client, and a call the wrapped client lacks stays missing
    (hasattr(client, "feed_page") still tells whether it can list posts)."""

    def __init__(
        self, inner: InstagramClient, kind: str, *, read_profile: bool, read_listings: bool
    ) -> None:
        self._inner = inner
        self._kind = kind
        self._read_profile = read_profile
        self._read_listings = read_listings
        self.name = inner.name
        self.hits = 0  # answers served from the cache (for logs and tests)

    @property
    def inner(self) -> InstagramClient:
        return self._inner

    def get_profile(self, username: str) -> Profile:
        name = username.strip().lstrip("@").lower()
        profile = self._through(
            key(self._kind, "profile", name),
            self._read_profile,
            lambda: self._inner.get_profile(username),
            None,
        )
        assert isinstance(profile, Profile)
        remember = getattr(self._inner, "remember_profile", None)
        if remember is not None:
            remember(profile)  # the web timeline is keyed by username
        return profile

    def list_page(self, user_pk: int, direction: Direction, cursor: str | None) -> Page:
        return self._inner.list_page(user_pk, direction, cursor)

    def close(self) -> None:
        closer = getattr(self._inner, "close", None)
        if callable(closer):
            closer()

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._inner, name)  # AttributeError when the client lacks it
        if name not in LISTINGS:
            return value
        if name == "media_info":
            return lambda pk: self._through(
                key(self._kind, name, int(pk)), self._read_listings, lambda: value(pk), None
            )
        return lambda user_pk, cursor: self._through(
            key(self._kind, name, int(user_pk), cursor),
            self._read_listings,
            lambda: value(user_pk, cursor),
            cursor,
        )

    def _through(
        self,
        cache_key: str,
        read: bool,
        ask: Callable[[], Profile | MediaPage | Media],
        cursor: str | None,
    ) -> Profile | MediaPage | Media:
        if not enabled():
            return ask()
        if read:
            cached = get(cache_key)
            if cached is not None:
                self.hits += 1
                return cached
        answer = ask()
        if storable(answer, cursor):
            put(cache_key, answer)
        return answer


def wrap(
    client: InstagramClient,
    kind: str,
    *,
    logged_in: bool,
    read_profile: bool,
    read_listings: bool,
) -> CachedClient:
    """`client` with its answers cached under its kind ("web", "graphql",
    "private"; "-anon" added without a login: a logged-out answer lacks fields)."""
    return CachedClient(
        client,
        kind if logged_in else f"{kind}-anon",
        read_profile=read_profile,
        read_listings=read_listings,
    )
