"""Tracked accounts: list, get, add, bookmark, delete; their lists, timeline and posts."""

from __future__ import annotations

from typing import Any, Literal

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field as NField
from ninja import Query, Router, Schema, Status

from accounts_app.models import TrackedAccount
from accounts_app.search import clean_term
from api import convert
from api.auth import READ, WRITE
from api.errors import COMMON, BadRequest, Conflict, ErrorOut, NotFound
from api.schemas import (
    AccountIn,
    AccountOut,
    AccountPage,
    CommenterPage,
    ListNameIn,
    PostPage,
    TimelinePage,
    Username,
    UserPage,
)
from audience import pages as audience_pages
from audience.analytics import Commenter
from content.models import Post, PostMetrics
from core.keyset import by_field, by_id, parse_id
from exports.lists import AccountList, ListError, ListName, get_list, matching_edges
from scraping.handles import InvalidHandle, parse_handle
from scraping.models import Relationship, Scrape, ScrapeStats
from scraping.services.scrapes import tracked_account_for

router = Router(tags=["accounts"])
# Lists of the API (the two "_following" variants of new/lost are exports' too).
LIST_NAMES = [name.value for name in ListName]


class PageQuery(Schema):
    cursor: str | None = NField(None, max_length=2000, description="next_cursor of the page before")
    limit: int = NField(50, ge=1, le=500)


class AccountsQuery(PageQuery):
    q: str = NField("", max_length=200, description="part of a username or full name")


class ListQuery(PageQuery):
    at: int | None = NField(None, ge=1, le=2**63 - 1, description="a finished scrape's id")
    q: str = NField("", max_length=200, description="part of a username or full name")


def target_of(username: str) -> TrackedAccount:
    """The tracked account named `username` (newest if the name was reused), or 404."""
    name = username.strip().removeprefix("@").lower()
    if clean_term(name) != name:  # a NUL, an escape: no username holds one
        name = ""
    target = (
        TrackedAccount.objects.select_related("user", "last_scrape")
        .filter(user__username=name)
        .order_by("-id")
        .first()
        if name and len(name) <= 64
        else None
    )
    if target is None:
        raise NotFound(f"@{username[:64]} is not tracked.")
    return target


@router.get("/accounts", response={200: AccountPage, **COMMON}, auth=READ)
def list_accounts(request: HttpRequest, query: Query[AccountsQuery]) -> dict[str, Any]:
    qs = TrackedAccount.objects.select_related("user", "last_scrape")
    term = clean_term(query.q)
    if term:
        qs = qs.filter(Q(user__username__icontains=term) | Q(user__full_name__icontains=term))
    page = by_field(qs, "user__username", query.cursor, query.limit)
    return {"items": [convert.account(t) for t in page.items], "next_cursor": page.next_cursor}


@router.get("/accounts/{username}", response={200: AccountOut, **COMMON}, auth=READ)
def get_account(request: HttpRequest, username: Username) -> dict[str, Any]:
    return convert.account(target_of(username))


@router.post("/accounts", response={201: AccountOut, **COMMON}, auth=WRITE)
def add_account(request: HttpRequest, body: AccountIn) -> Status:
    """Track an account without scraping it yet (a scrape fills it in)."""
    try:
        username = parse_handle(body.handle)
    except InvalidHandle as exc:
        raise BadRequest(str(exc)) from None
    with transaction.atomic():
        target = tracked_account_for(username)
        if body.bookmarked and not target.bookmarked:
            TrackedAccount.objects.filter(pk=target.pk).update(bookmarked=True)
    return Status(201, convert.account(target_of(username)))


def _bookmark(username: Username, on: bool) -> dict[str, Any]:
    target = target_of(username)
    TrackedAccount.objects.filter(pk=target.pk).update(bookmarked=on)
    target.bookmarked = on
    return convert.account(target)


@router.put("/accounts/{username}/bookmark", response={200: AccountOut, **COMMON}, auth=WRITE)
def bookmark(request: HttpRequest, username: Username) -> dict[str, Any]:
    """Bookmarked accounts are scraped again every night."""
    return _bookmark(username, True)


@router.delete("/accounts/{username}/bookmark", response={200: AccountOut, **COMMON}, auth=WRITE)
def unbookmark(request: HttpRequest, username: Username) -> dict[str, Any]:
    return _bookmark(username, False)


@router.delete("/accounts/{username}", response={204: None, 409: ErrorOut, **COMMON}, auth=WRITE)
def delete_account(request: HttpRequest, username: Username) -> HttpResponse:
    """Forget the account and its whole history (not the users it collected)."""
    target = target_of(username)
    with transaction.atomic():
        if Scrape.objects.filter(target=target, status__in=Scrape.ACTIVE_STATUSES).exists():
            raise Conflict(f"@{target.user.username} has a scrape in progress: cancel it first.")
        target.delete()
    return HttpResponse(status=204)


def account_list(target: TrackedAccount, name: str, at: int | None, q: str) -> AccountList:
    try:
        return get_list(target, name, at=at, search=q)
    except ListError as exc:
        raise (NotFound if "not a finished scrape" in str(exc) else BadRequest)(str(exc)) from None


USER_COLUMNS = (
    "pk",
    "user__username",
    "user__full_name",
    "user__ig_pk",
    "user__is_verified",
    "user__is_private",
    "first_seen_id",
    "ended_by_id",
)


def _user_row(row: tuple[Any, ...]) -> dict[str, Any]:
    _, username, full_name, ig_pk, verified, private, first_seen, ended_by = row
    return {
        "username": username,
        "full_name": full_name,
        "ig_pk": ig_pk,
        "is_verified": verified,
        "is_private": private,
        "profile_url": convert.PROFILE.format(username),
        "first_seen_scrape": first_seen,
        "ended_by_scrape": ended_by,
    }


def _edges_page(edges: QuerySet[Relationship], cursor: str | None, size: int) -> dict[str, Any]:
    """by_id's keyset (newest edges first, `id < cursor`) over plain tuples: a
    page of 100 built as model instances cost more than its query."""
    after = parse_id(cursor)
    if after is not None:
        edges = edges.filter(pk__lt=after)
    rows = list(edges.order_by("-pk").values_list(*USER_COLUMNS)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return {
        "items": [_user_row(row) for row in rows],
        "next_cursor": str(rows[-1][0]) if more else None,
    }


@router.get("/accounts/{username}/lists/{list_name}", response={200: UserPage, **COMMON}, auth=READ)
def list_users(
    request: HttpRequest, username: Username, list_name: ListNameIn, query: Query[ListQuery]
) -> dict[str, Any]:
    """One list of the account, newest edges first, now or as scrape `at` saw it.
    Lists: followers, following, mutuals, new, lost, new_following,
    lost_following, not_following_back, not_followed_back."""
    target = target_of(username)
    chosen = account_list(target, list_name, query.at, "")
    edges = chosen.relationships()
    cursor = query.cursor
    term = clean_term(query.q).strip().removeprefix("@")
    if term:
        edges, cursor = matching_edges(edges, term, cursor)
    return _edges_page(edges, cursor, query.limit)


@router.get("/accounts/{username}/timeline", response={200: TimelinePage, **COMMON}, auth=READ)
def timeline(request: HttpRequest, username: Username, query: Query[PageQuery]) -> dict[str, Any]:
    """Follower and following counts (and new, lost, mutuals) after each
    finalised scrape, newest first."""
    target = target_of(username)
    page = by_id(ScrapeStats.objects.filter(target=target), query.cursor, query.limit)
    return {
        "items": [convert.timeline_point(s) for s in page.items],
        "next_cursor": page.next_cursor,
    }


def _post(post: Post, metrics: PostMetrics | None) -> dict[str, Any]:
    figures = {
        f: getattr(metrics, f) if metrics else None for f in ("likes", "comments", "plays", "views")
    }
    return {
        "ig_pk": post.ig_pk,
        "shortcode": post.shortcode,
        "url": post.instagram_url,
        "product_type": post.product_type,
        "media_type": post.media_type,
        "taken_at": post.taken_at,
        "caption": post.caption,
        "duration": post.duration,
        "removed": post.removed_by_id is not None,
        **figures,
    }


@router.get("/accounts/{username}/posts", response={200: PostPage, **COMMON}, auth=READ)
def posts(request: HttpRequest, username: Username, query: Query[PageQuery]) -> dict[str, Any]:
    """Posts and reels listed by content scrapes, with their latest known
    counts (null: unknown, never 0), most recently stored first."""
    target = target_of(username)
    page = by_id(Post.objects.filter(target=target), query.cursor, query.limit)
    metrics = {
        m.post_id: m
        for m in PostMetrics.objects.filter(
            post__in=[p.pk for p in page.items], ended_by__isnull=True
        )
    }
    return {
        "items": [_post(p, metrics.get(p.pk)) for p in page.items],
        "next_cursor": page.next_cursor,
    }


class CommentersQuery(PageQuery):
    sort: Literal["comments", "posts", "last", "first", "username"] = NField(
        "comments",
        description="comments, posts (posts commented on), last or first comment "
        "(newest first), username",
    )
    show: Literal["all", "follows", "not_follows", "loyal", "left"] = NField(
        "all", description="only commenters who follow now, do not, are loyal or left"
    )
    q: str = NField("", max_length=200, description="part of a username or full name")


def _commenter(row: Commenter) -> dict[str, Any]:
    return {
        "username": row.username,
        "full_name": row.full_name,
        "ig_pk": row.ig_pk,
        "is_private": row.is_private,
        "is_verified": row.is_verified,
        "profile_url": convert.PROFILE.format(row.username),
        "comments": row.comments,
        "posts_commented": row.posts,
        "first_comment_at": row.first_at,
        "last_comment_at": row.last_at,
        "follows": row.follows,
        "following_since": row.following_since,
        "loyal": row.loyal,
        "left": row.left,
        "new_follower_commented_first": row.new_follower_commented_first,
    }


@router.get("/accounts/{username}/commenters", response={200: CommenterPage, **COMMON}, auth=READ)
def commenters(
    request: HttpRequest, username: Username, query: Query[CommentersQuery]
) -> dict[str, Any]:
    """Everyone who commented on the account's listed posts, crossed with the
    follower history, in the Audience tab's order and filters
    (docs/audience.md). Empty until a scrape with comments ran."""
    target = target_of(username)
    filters = audience_pages.Filters(
        sort=query.sort,
        show=query.show,
        q=clean_term(query.q).strip().removeprefix("@")[:64],
        cursor=query.cursor or "",
    )
    rows, cursor = audience_pages.commenters_page(target, filters, query.limit)
    return {"items": [_commenter(r) for r in rows], "next_cursor": cursor}
