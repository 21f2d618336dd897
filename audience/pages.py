"""The Audience tab: its figures, and the commenters table sorted, filtered,
searched and paged with keyset cursors (position = the last row's sort value
and id, never an offset)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
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
from audience import analytics, classify, cloud, snapshot, vision
from audience.analytics import Commenter
from audience.forms import CloudClassifierForm
from audience.models import Comment, PostComments
from audience.runner import recent_posts
from content.models import Post
from core.keyset import BadCursor
from scraping.models import Direction, Scrape, ScrapeList

PAGE_SIZE = 50
DEFAULT_SORT = "comments"
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


def _encode(sort: str, key: tuple[Any, ...]) -> str:
    """A position in the table as `sort` orders it: the sort's name and the last
    row's key, so a cursor of one sort is refused by another."""
    return base64.urlsafe_b64encode(json.dumps([sort, *key]).encode()).decode().rstrip("=")


# A key is at most three figures, or a username (30 characters) and an id.
CURSOR_MAX = 240


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)  # NaN, Infinity: no key holds one


def _decode(cursor: str, sort: str) -> tuple[Any, ...]:
    if len(cursor) > CURSOR_MAX:
        raise BadCursor()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, binascii.Error, RecursionError) as exc:  # deep nesting: RecursionError
        raise BadCursor() from exc
    if not isinstance(value, list) or not 1 < len(value) <= 4 or value[0] != sort:
        raise BadCursor()
    key = tuple(value[1:])
    if not all(
        isinstance(part, str) or (isinstance(part, int | float) and not isinstance(part, bool))
        for part in key
    ) or any(isinstance(part, float) and not math.isfinite(part) for part in key):
        raise BadCursor()  # 1e400 parses as inf
    return key


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
    """What the figures depend on: the account's latest finished scrape (its
    finalise may have removed comments or changed the followers) and its
    newest comment (a running scrape stores comments page by page). Two
    indexed reads. A scrape merely queued or running changes nothing here."""
    latest = (
        Scrape.objects.filter(target=target, status__in=FINISHED)
        .order_by("-id")
        .values_list("id", "finished_at")
        .first()
    )
    newest = Comment.objects.filter(target=target).aggregate(top=Max("id"))["top"]
    loyal = f"{settings.AUDIENCE_LOYAL_POSTS}/{settings.AUDIENCE_LOYAL_MIN}"
    # created_at: a deleted account tracked again (or a test database reused)
    # can bring back the same ids.
    return f"audience:{target.pk}:{target.created_at.isoformat()}:{latest}:{newest}:{loyal}"


FINISHED = (Scrape.Status.SUCCEEDED, Scrape.Status.PARTIAL)


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


def figures(target: TrackedAccount, *, worker: bool = False) -> Figures:
    """The commenters, their shares and the last posts' timelines for the
    current version of the data. They change only when a scrape of the account
    stores comments or ends, so they are kept: in this process's memory (a few
    MB for 20,000 commenters; the 8 most recent versions), and in the database
    (audience/snapshot.py), where the worker stores them after each scrape.
    Only a version nobody computed yet is computed here, and stored unless a
    scrape of the account is active: that scrape holds the database's write
    lock now and then (a finalise for seconds), a page request should not
    wait for it, and the worker stores the figures when the scrape ends.
    `worker`: the worker's call, which always stores them."""
    key = hashlib.sha256(_version(target).encode()).hexdigest()
    with _LOCK:
        found = _CACHE.get(key)
        if found is not None:
            _CACHE.move_to_end(key)
            return found
    stored = snapshot.load(target.pk, key)
    if stored is None:
        rows = sorted(analytics.commenters(target.pk), key=lambda r: _key(r, DEFAULT_SORT))
        stored = (rows, analytics.shares(target.pk, rows), post_listings(target, 12))
        if (
            worker
            or not Scrape.objects.filter(target=target, status__in=Scrape.ACTIVE_STATUSES).exists()
        ):
            snapshot.save(target.pk, key, stored)
    rows, shares, posts = stored
    found = Figures(rows, shares, posts, {DEFAULT_SORT: rows})
    with _LOCK:
        _CACHE[key] = found
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return found


def refresh_figures(target_id: int) -> None:
    """The worker's side (audience.refresh_figures): compute and store the
    figures of the account's current data unless they are stored already."""
    target = TrackedAccount.objects.filter(pk=target_id).first()
    if target is not None:
        figures(target, worker=True)


def commenters_page(
    target: TrackedAccount,
    filters: Filters,
    size: int = PAGE_SIZE,
    rows: list[Commenter] | None = None,
) -> tuple[list[Commenter], str | None]:
    """One page of the commenters table as `filters` choose it, and the cursor
    of the next page (None: the table ended). The tab's rows and the API's
    /commenters both page through here. BadCursor for a cursor of another sort
    or one this module did not hand out."""
    if rows is None:
        ordered = figures(target).ordered(filters.sort)
    else:
        ordered = sorted(rows, key=lambda r: _key(r, filters.sort))
    chosen = [r for r in ordered if _shown(r, filters)] if filters.active else ordered
    if filters.cursor:
        after = _decode(filters.cursor, filters.sort)
        try:
            chosen = [r for r in chosen if _key(r, filters.sort) > after]
        except TypeError as exc:  # a cursor of another sort
            raise BadCursor() from exc
    page = chosen[:size]
    more = len(chosen) > size
    return page, _encode(filters.sort, _key(page[-1], filters.sort)) if more else None


def rows_page(
    target: TrackedAccount, query: Mapping[str, str], rows: list[Commenter] | None = None
) -> tuple[Filters, list[Commenter], str | None]:
    """The tab's page of commenters and the query string of the next one."""
    filters = Filters.from_query(query)
    page, cursor = commenters_page(target, filters, PAGE_SIZE, rows)
    return filters, page, filters.params(cursor=cursor) if cursor else None


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
    shown = analysis.provider if analysis is not None and analysis.provider else provider
    view: dict[str, Any] = {
        "provider": provider,
        "provider_name": vision.PROVIDER_NAMES.get(shown, shown),
        "analysis": analysis,
    }
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
    baseline = analytics.baseline(target.pk)
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
        "baseline": baseline,
        # No complete follower list, but some: the lists ended partial (capped).
        # Asked only when the baseline is missing, the one case the tab says it.
        "followers_listed": baseline.scrape_id is None
        and ScrapeList.objects.filter(scrape__target=target, direction=Direction.FOLLOWER).exists(),
        "loyal_min": settings.AUDIENCE_LOYAL_MIN,
        "loyal_posts": settings.AUDIENCE_LOYAL_POSTS,
        "nightly_posts": settings.AUDIENCE_POSTS,
        "classifier": _classifier(target),
        "now": timezone.now(),
    }


__all__ = ["commenters_page", "recent_posts", "rows_page", "tab"]
