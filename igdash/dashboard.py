"""What the dashboard shows: KPI figures, the Top-5 growth chart and the global
search. Every figure comes from stored counts (TrackedAccount, ScrapeStats):
nothing here counts relationships, whose tables hold millions of rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from accounts_app.models import IgUser, TrackedAccount
from accounts_app.search import TRIGRAM_MIN, clean_term, users_matching, users_starting_with
from core.keyset import Page, by_field, by_id
from scraping.models import Direction, Relationship, Scrape, ScrapeStats

GROWTH_DAYS = 30
TOP_GROWTH = 5
SEARCH_PAGE = 25


@dataclass(frozen=True)
class Kpis:
    tracked: int
    bookmarked: int
    stored_followers: int
    stored_following: int
    last_run: Scrape | None
    running: Sequence[Scrape]

    @property
    def stored_relationships(self) -> int:
        return self.stored_followers + self.stored_following


def kpis() -> Kpis:
    """Three queries whatever the size of the data: the counts in one aggregate
    (each account's latest stored figures by subquery), the last finished run, the
    running ones (their accounts joined in)."""
    latest = ScrapeStats.objects.filter(target=OuterRef("pk")).order_by("-taken_at")
    tracked = TrackedAccount.objects.annotate(
        followers_stored=Subquery(latest.filter(followers__isnull=False).values("followers")[:1]),
        following_stored=Subquery(latest.filter(following__isnull=False).values("following")[:1]),
    ).aggregate(
        tracked=Count("pk"),
        bookmarked=Count("pk", filter=Q(bookmarked=True)),
        followers=Sum("followers_stored"),
        following=Sum("following_stored"),
    )
    last_run = (
        Scrape.objects.filter(finished_at__isnull=False)
        .select_related("target__user")
        .order_by("-finished_at")
        .first()
    )
    running = list(
        Scrape.objects.filter(status__in=Scrape.ACTIVE_STATUSES)
        .select_related("target__user")
        .order_by("-id")[:10]
    )
    return Kpis(
        tracked=tracked["tracked"] or 0,
        bookmarked=tracked["bookmarked"] or 0,
        stored_followers=tracked["followers"] or 0,
        stored_following=tracked["following"] or 0,
        last_run=last_run,
        running=running,
    )


@dataclass
class Growth:
    username: str
    first: int
    last: int
    points: list[dict[str, object]] = field(default_factory=list)

    @property
    def change(self) -> int:
        return self.last - self.first


def top_growth(days: int = GROWTH_DAYS, top: int = TOP_GROWTH) -> list[Growth]:
    """The accounts whose follower count grew most over the last `days` days,
    from ScrapeStats (one row per finalised scrape: accounts x scrapes, small)."""
    since = timezone.now() - dt.timedelta(days=days)
    rows = (
        ScrapeStats.objects.filter(taken_at__gte=since, followers__isnull=False)
        .order_by("target_id", "taken_at")
        .values_list("target__user__username", "taken_at", "followers")
    )
    series: dict[str, Growth] = {}
    for username, taken_at, followers in rows:
        assert followers is not None  # followers__isnull=False above
        growth = series.setdefault(username, Growth(username, followers, followers))
        growth.last = followers
        growth.points.append({"x": taken_at.isoformat(), "y": followers})
    ranked = sorted(series.values(), key=lambda g: (-g.change, g.username))
    return [g for g in ranked if len(g.points) > 1][:top]


def growth_chart(growth: list[Growth]) -> dict[str, object]:
    """Chart.js data for static/js/igdash.js (a time series per account)."""
    return {
        "kind": "growth",
        "datasets": [{"label": f"@{g.username} ({g.change:+,})", "data": g.points} for g in growth],
    }


@dataclass(frozen=True)
class Hit:
    user: IgUser
    tracked: bool
    follows: list[str]  # targets this user follows
    followed_by: list[str]  # targets that follow this user


def search(raw: str | None, cursor: str | None = None) -> tuple[str, Page[IgUser], list[Hit]]:
    """Users whose username or full name contains the term, with the tracked
    accounts each is connected to now. Three queries per page (a term that
    matches nobody stops after the first), plus, once per process, the look
    for the trigram table (accounts_app/search.py `fts_available`).

    A term of 1-2 characters finds the usernames that start with it, in name
    order: a substring of that length would read every user ever seen
    (accounts_app/search.py)."""
    term = clean_term(raw)
    if not term:
        return term, Page([], None), []
    if len(term) < TRIGRAM_MIN:
        page = by_field(users_starting_with(term), "username", cursor, SEARCH_PAGE)
    else:
        page = by_id(users_matching(term), cursor, SEARCH_PAGE, newest_first=False)
    ids = [user.pk for user in page.items]
    follows: dict[int, list[str]] = {pk: [] for pk in ids}
    followed_by: dict[int, list[str]] = {pk: [] for pk in ids}
    # "Now" is tested here, not in SQL: with `ended_by IS NULL` in the WHERE,
    # SQLite (no ANALYZE statistics) walks the ended_by index over every active
    # edge (1M at 1M followers, ~0.2-1 s) instead of the user_id index over a
    # page's few users. Their ended edges are few (one per leave).
    edges = Relationship.objects.filter(user_id__in=ids).values_list(
        "user_id", "direction", "target__user__username", "ended_by_id"
    )
    for user_id, direction, target, ended_by in edges:
        if ended_by is None:
            (follows if direction == Direction.FOLLOWER else followed_by)[user_id].append(target)
    tracked = set(TrackedAccount.objects.filter(user_id__in=ids).values_list("user_id", flat=True))
    hits = [
        Hit(user, user.pk in tracked, sorted(follows[user.pk]), sorted(followed_by[user.pk]))
        for user in page.items
    ]
    return term, page, hits
