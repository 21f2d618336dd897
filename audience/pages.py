"""The Audience tab: its figures, and the commenters table sorted, filtered,
searched and paged with keyset cursors (position = the last row's sort value
and id, never an offset)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from accounts_app import vault
from accounts_app.models import TrackedAccount
from audience import analytics, classify, cloud, vision
from audience.analytics import Commenter
from audience.forms import CloudClassifierForm
from audience.models import Comment, PostComments
from audience.runner import recent_posts
from content.models import Post
from core.keyset import BadCursor
from scraping.models import Scrape

PAGE_SIZE = 50
SORTS = {
    "comments": "Most comments",
    "posts": "Most posts commented",
    "last": "Latest comment",
    "first": "First comment",
    "username": "Username",
}
SHOWS = {
    "all": "Everyone",
    "follows": "Follows",
    "not_follows": "Does not follow",
    "loyal": "Loyal",
    "left": "Left",
}


@dataclass(frozen=True)
class Filters:
    sort: str = "comments"
    show: str = "all"
    q: str = ""
    cursor: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> Filters:
        sort = query.get("sort", "comments")
        show = query.get("show", "all")
        return cls(
            sort=sort if sort in SORTS else "comments",
            show=show if show in SHOWS else "all",
            q=query.get("q", "").strip().lstrip("@")[:64],
            cursor=query.get("cursor", ""),
        )

    def params(self, **changes: str) -> str:
        values = {"sort": self.sort, "show": self.show, "q": self.q, **changes}
        return urlencode({k: v for k, v in values.items() if v})

    @property
    def active(self) -> bool:
        return self.show != "all" or bool(self.q)


def _key(row: Commenter, sort: str) -> tuple[Any, ...]:
    """Sort key: the first element descending for numbers and dates (stored
    negated), usernames ascending; the author id breaks ties."""
    if sort == "username":
        return (row.username, row.author_id)
    if sort == "posts":
        return (-row.posts, -row.comments, row.author_id)
    if sort == "last":
        return (-row.last_at.timestamp(), row.author_id)
    if sort == "first":
        return (row.first_at.timestamp(), row.author_id)
    return (-row.comments, -row.posts, row.author_id)


def _encode(key: tuple[Any, ...]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


# A key is at most three figures, or a username (30 characters) and an id.
CURSOR_MAX = 200


def _decode(cursor: str) -> tuple[Any, ...]:
    if len(cursor) > CURSOR_MAX:
        raise BadCursor()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw)
    except (ValueError, binascii.Error, RecursionError) as exc:  # deep nesting: RecursionError
        raise BadCursor() from exc
    if not isinstance(value, list) or not 0 < len(value) <= 3:
        raise BadCursor()
    return tuple(value)


def _shown(row: Commenter, filters: Filters) -> bool:
    if filters.show == "follows" and not row.follows:
        return False
    if filters.show == "not_follows" and row.follows is not False:
        return False
    if filters.show == "loyal" and not row.loyal:
        return False
    if filters.show == "left" and not row.left:
        return False
    if filters.q:
        q = filters.q.casefold()
        return q in row.username.casefold() or q in row.full_name.casefold()
    return True


def _version(target: TrackedAccount) -> str:
    """What the figures depend on: the account's latest scrape (its state: a
    scrape that ends may have removed comments or changed the followers) and
    its newest comment. Two indexed reads."""
    latest = (
        Scrape.objects.filter(target=target)
        .order_by("-id")
        .values_list("id", "status", "finished_at")
        .first()
    )
    newest = Comment.objects.filter(target=target).aggregate(top=Max("id"))["top"]
    loyal = f"{settings.AUDIENCE_LOYAL_POSTS}/{settings.AUDIENCE_LOYAL_MIN}"
    # created_at: a deleted account tracked again (or a test database reused)
    # can bring back the same ids.
    return f"audience:{target.pk}:{target.created_at.isoformat()}:{latest}:{newest}:{loyal}"


@dataclass
class Figures:
    rows: list[Commenter]
    shares: dict[str, Any]
    posts: list[dict[str, Any]]
    orders: dict[str, list[Commenter]]  # the rows sorted by each sort, made on demand

    def ordered(self, sort: str) -> list[Commenter]:
        if sort not in self.orders:
            self.orders[sort] = sorted(self.rows, key=lambda r: _key(r, sort))
        return self.orders[sort]


_CACHE: OrderedDict[str, Figures] = OrderedDict()
_CACHE_SIZE = 8
_LOCK = threading.Lock()


def figures(target: TrackedAccount) -> Figures:
    """The commenters, their shares and the last posts' timelines, computed once
    per version of the data (they change only when a scrape of the account
    stores comments or ends) and kept in this process's memory (a few MB for
    20,000 commenters; the 8 most recent versions), so the tab and its rows
    pages do not aggregate every comment on every request."""
    key = hashlib.sha256(_version(target).encode()).hexdigest()
    with _LOCK:
        found = _CACHE.get(key)
        if found is not None:
            _CACHE.move_to_end(key)
            return found
    rows = analytics.commenters(target.pk)
    found = Figures(rows, analytics.shares(target.pk, rows), post_listings(target, 12), {})
    with _LOCK:
        _CACHE[key] = found
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return found


def rows_page(
    target: TrackedAccount, query: Mapping[str, str], rows: list[Commenter] | None = None
) -> tuple[Filters, list[Commenter], str | None]:
    filters = Filters.from_query(query)
    if rows is None:
        ordered = figures(target).ordered(filters.sort)
    else:
        ordered = sorted(rows, key=lambda r: _key(r, filters.sort))
    chosen = [r for r in ordered if _shown(r, filters)] if filters.active else ordered
    if filters.cursor:
        after = _decode(filters.cursor)
        try:
            chosen = [r for r in chosen if _key(r, filters.sort) > after]
        except TypeError as exc:  # a cursor of another sort
            raise BadCursor() from exc
    page = chosen[:PAGE_SIZE]
    more = len(chosen) > PAGE_SIZE
    next_url = filters.params(cursor=_encode(_key(page[-1], filters.sort))) if more else None
    return filters, page, next_url


def post_listings(target: TrackedAccount, count: int) -> list[dict[str, Any]]:
    """The last posts with their latest comment listing's state and timeline."""
    out = []
    for post in recent_posts_of(target, count):
        listing = (
            PostComments.objects.filter(post=post)
            .exclude(state=PostComments.State.PENDING)
            .order_by("-part__scrape_id")
            .first()
        )
        out.append(
            {
                "post": post,
                "listing": listing,
                "timeline": analytics.timeline(post.pk, post.taken_at),
            }
        )
    return out


def recent_posts_of(target: TrackedAccount, count: int) -> list[Post]:
    posts = Post.objects.filter(target=target, removed_by__isnull=True)
    return list(posts.order_by("-taken_at", "-ig_pk")[:count])


def overlap_choices(target: TrackedAccount) -> list[TrackedAccount]:
    with_comments = Comment.objects.exclude(target=target).values("target_id").distinct()
    return list(
        TrackedAccount.objects.filter(pk__in=with_comments)
        .select_related("user")
        .order_by("user__username")
    )


def _classifier(target: TrackedAccount) -> dict[str, Any] | None:
    """The latest picture analysis as the tab shows it (None when the
    classifier is off and none ever ran)."""
    analysis = classify.latest(target)
    provider = classify.configured()
    if analysis is None and provider == "none":
        return None
    view: dict[str, Any] = {"provider": provider, "analysis": analysis}
    if analysis is not None:
        view["percent"] = round(100 * analysis.done / analysis.total) if analysis.total else 100
        view["gender"] = classify.buckets(analysis.gender, vision.GENDERS)
        view["age"] = classify.buckets(analysis.age, vision.AGES)
    return view


def classifier_settings(
    *, form: CloudClassifierForm | None = None, notice: str = "", error: str = ""
) -> dict[str, Any]:
    """The Settings section of the picture classifier: what runs where, and the
    cloud provider's switch (its key never leaves the vault for a page)."""
    row = cloud.load()
    return {
        "picture_classifier": classify.configured(),
        "picture_classifier_env": settings.AUDIENCE_CLASSIFIER,
        "cloud": row,
        "cloud_form": form or CloudClassifierForm(initial={"enabled": row.enabled}),
        "cloud_url": settings.AUDIENCE_FACEPP_URL,
        "cloud_notice": notice,
        "cloud_error": error,
        "vault_locked": vault.passphrase_mode() and vault.is_locked(),
    }


def tab(target: TrackedAccount, query: Mapping[str, str]) -> dict[str, Any]:
    found = figures(target)
    filters, page, next_url = rows_page(target, query)
    other = None
    compare: dict[str, Any] | None = None
    choices = overlap_choices(target)
    wanted = query.get("with", "").strip().lstrip("@").lower()
    if wanted:
        other = next((c for c in choices if c.user.username == wanted), None)
        if other is not None:
            compare = analytics.overlap(target.pk, other.pk)
    return {
        "target": target,
        "filters": filters,
        "rows": page,
        "next_url": next_url,
        "shares": found.shares,
        "sorts": SORTS,
        "shows": SHOWS,
        "posts": found.posts,
        "choices": choices,
        "other": other,
        "compare": compare,
        "baseline": analytics.baseline(target.pk),
        "nightly_posts": settings.AUDIENCE_POSTS,
        "classifier": _classifier(target),
        "now": timezone.now(),
    }


__all__ = ["recent_posts", "rows_page", "tab"]
