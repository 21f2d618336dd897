"""The Accounts page: tracked accounts, searched, sorted by name or by their
follower change and paged, each with a sparkline of its followers; bookmarked
for the nightly refresh, deleted."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import (
    BigIntegerField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils import timezone

from accounts_app.models import TrackedAccount
from accounts_app.search import clean_term
from core.keyset import Page, by_field, by_value
from scraping.models import Scrape, ScrapeStats

PAGE_SIZE = 30
SPARK_POINTS = 30  # the latest scrapes with a follower count, per row
SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 96, 28, 2

# sort key -> (label, annotation, descending); "name" pages by username.
SORTS: dict[str, tuple[str, str | None, bool]] = {
    "name": ("Name", None, False),
    "growth7": ("Growth, 7 days", "change_7d", True),
    "decline7": ("Decline, 7 days", "change_7d", False),
    "growth30": ("Growth, 30 days", "change_30d", True),
    "decline30": ("Decline, 30 days", "change_30d", False),
}


class CannotDelete(Exception):
    """Deleting now would pull the rows from under a running scrape."""


def get_target(username: str) -> TrackedAccount:
    """The tracked account named `username` (the newest, if a reused name is
    tracked twice), or 404."""
    target = (
        TrackedAccount.objects.select_related("user", "last_scrape")
        .filter(user__username=username.lower())
        .order_by("-id")
        .first()
    )
    if target is None:
        raise Http404(f"@{username} is not tracked.")
    return target


def tracked_accounts(term: str) -> QuerySet[TrackedAccount]:
    # The owner tracks tens or hundreds of accounts, not millions: a plain
    # LIKE is fine here; the FTS table is for the users they collect.
    qs = TrackedAccount.objects.select_related("user", "last_scrape")
    if term:
        qs = qs.filter(Q(user__username__icontains=term) | Q(user__full_name__icontains=term))
    return qs


def with_changes(qs: QuerySet[TrackedAccount], now: dt.datetime) -> QuerySet[TrackedAccount]:
    """Annotate change_7d and change_30d: the follower count of the newest scrape
    within the last N days minus that of the oldest one in them, as the
    dashboard's Top-5 growth counts it; None with fewer than two scrapes with a
    count (partial follower lists have none) in the window.

    Computed per request by correlated subqueries on the (target, taken_at)
    index rather than stored at finalise: "the last 7 days" moves with the
    clock, not with the scrapes, and the owner tracks hundreds of accounts, not
    millions. Sorted by name, only the page's rows evaluate them; sorted by
    change, every tracked account does (docs/decisions.md)."""
    for days in (7, 30):
        counted = ScrapeStats.objects.filter(
            target=OuterRef("pk"),
            followers__isnull=False,
            taken_at__gte=now - dt.timedelta(days=days),
        )
        newest = counted.order_by("-taken_at", "-pk")
        qs = qs.annotate(**{f"_newest_at_{days}d": Subquery(newest.values("taken_at")[:1])})
        oldest = counted.filter(taken_at__lt=OuterRef(f"_newest_at_{days}d")).order_by(
            "taken_at", "pk"
        )
        qs = qs.annotate(
            **{
                f"change_{days}d": ExpressionWrapper(
                    Subquery(newest.values("followers")[:1])
                    - Subquery(oldest.values("followers")[:1]),
                    output_field=BigIntegerField(),
                )
            }
        )
    return qs


@dataclass(frozen=True)
class Sparkline:
    """Followers per scrape as an SVG polyline (rendered in the page: no script,
    no request per row)."""

    values: list[int]

    @property
    def points(self) -> str:
        if len(self.values) < 2:
            return ""
        low, high = min(self.values), max(self.values)
        span = high - low
        inner = SPARK_HEIGHT - 2 * SPARK_PAD
        step = SPARK_WIDTH / (len(self.values) - 1)
        coords = []
        for i, value in enumerate(self.values):
            y = SPARK_PAD + inner / 2 if span == 0 else SPARK_PAD + inner * (high - value) / span
            coords.append(f"{i * step:.1f},{y:.1f}")
        return " ".join(coords)

    @property
    def label(self) -> str:
        if not self.values:
            return "No follower count yet"
        if len(self.values) == 1:
            return f"{self.values[0]:,} followers, one scrape"
        return (
            f"Followers over the last {len(self.values)} scrapes: "
            f"{self.values[0]:,} to {self.values[-1]:,}"
        )


def sparklines(target_ids: list[int]) -> dict[int, Sparkline]:
    """The last SPARK_POINTS follower counts of each target, in one query (a
    window function numbers each target's rows newest first)."""
    rows = (
        ScrapeStats.objects.filter(target_id__in=target_ids, followers__isnull=False)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("target_id")],
                order_by=[F("taken_at").desc(), F("pk").desc()],
            )
        )
        .filter(rank__lte=SPARK_POINTS)
        .order_by()  # the model's ordering would join users to sort by name
        .values_list("target_id", "taken_at", "pk", "followers")
    )
    series: dict[int, list[tuple[dt.datetime, int, int]]] = {pk: [] for pk in target_ids}
    for target_id, taken_at, pk, followers in rows:
        assert followers is not None  # followers__isnull=False above
        series[target_id].append((taken_at, pk, followers))
    return {pk: Sparkline([f for _, _, f in sorted(points)]) for pk, points in series.items()}


@dataclass(frozen=True)
class AccountsPage:
    term: str
    sort: str
    page: Page[TrackedAccount]

    sorts = [(key, label) for key, (label, _, _) in SORTS.items()]


def list_page(params: Any) -> AccountsPage:
    term = clean_term(params.get("q"))
    sort = params.get("sort") or "name"
    if sort not in SORTS:
        sort = "name"  # a hand-edited URL gets the default order, not an error page
    qs = with_changes(tracked_accounts(term), timezone.now())
    _, field, descending = SORTS[sort]
    cursor = params.get("cursor")
    if field is None:
        page = by_field(qs, "user__username", cursor, PAGE_SIZE)
    else:
        page = by_value(qs, field, cursor, PAGE_SIZE, descending=descending)
    lines = sparklines([account.pk for account in page.items])
    for account in page.items:
        account.sparkline = lines[account.pk]  # type: ignore[attr-defined]  # a display attribute for the row
    return AccountsPage(term, sort, page)


def set_bookmark(target: TrackedAccount, bookmarked: bool) -> TrackedAccount:
    TrackedAccount.objects.filter(pk=target.pk).update(bookmarked=bookmarked)
    target.bookmarked = bookmarked
    return target


def delete_account(target: TrackedAccount) -> None:
    """Forget the account and its whole history. The users it collected stay:
    other tracked accounts may share them."""
    with transaction.atomic():
        if Scrape.objects.filter(target=target, status__in=Scrape.ACTIVE_STATUSES).exists():
            raise CannotDelete(
                f"@{target.user.username} has a scrape in progress: cancel it first."
            )
        target.delete()
