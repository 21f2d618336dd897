"""The Content tab of an account's page and the page of one post: what the
views hand to the templates (docs/content-analytics.md "The Content tab").

Rates are computed at read time (content.analytics.post_rates: two queries
for all of the account's posts), so the posts list is sorted and paged in
memory over those rates, with keyset cursors ([sort value, post id] of the
last row shown, never an offset): a post added or removed between two pages
neither repeats nor skips a row. The page's own rows (caption, thumbnail) are
then read by id: one more query for at most PAGE_SIZE posts.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from accounts_app.models import TrackedAccount
from accounts_app.search import clean_term
from content import analytics
from content.analytics import PostRate, TagRow
from content.models import Post, ProductType, TagKind
from core.errors import BadInput
from core.keyset import INT64_MAX, BadCursor

PAGE_SIZE = 30
TAG_ROWS = 15
TOP_ROWS = 5
MAX_TAG = 150

SORTS = {
    "date": "Newest first",
    "likes": "Most likes",
    "comments": "Most comments",
    "plays": "Most plays",
    "rate": "Highest rate",
}
TYPES = {"": "All types", **{value: str(label) for value, label in ProductType.choices}}
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def get_target(username: str) -> TrackedAccount:
    """The tracked account named `username` (the newest when a reused name is
    tracked twice), or 404, as the account page finds it."""
    target = (
        TrackedAccount.objects.select_related("user")
        .filter(user__username=username.lower())
        .order_by("-id")
        .first()
    )
    if target is None:
        raise Http404(f"@{username} is not tracked.")
    return target


def clean_tag(raw: str | None) -> str:
    """A hashtag as stored: without the sign, lowercase, NFC (content/captions.py)."""
    term = clean_term(raw).lstrip("#\uff03")  # or the full-width number sign
    return unicodedata.normalize("NFC", term).lower()[:MAX_TAG]


def _day(raw: str | None, name: str) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw) if len(raw) == 10 else _bad_day(name)
    except ValueError:
        return _bad_day(name)


def _bad_day(name: str) -> dt.date:
    raise BadInput(f"The “{name}” date is not a date: write it as YYYY-MM-DD.")


@dataclass(frozen=True)
class Filters:
    sort: str
    kind: str
    tag: str
    q: str
    since: dt.date | None = None
    until: dt.date | None = None

    @classmethod
    def from_params(cls, params: Any) -> Filters:
        """The list's choices; a sort or type no link of igdash hands out is a
        400 that names the valid ones."""
        sort = params.get("sort") or "date"
        if sort not in SORTS:
            raise BadInput(f"Unknown sort. Sort by one of: {', '.join(SORTS)}.")
        kind = params.get("type") or ""
        if kind not in TYPES:
            raise BadInput(f"Unknown post type. Choose one of: {', '.join(t for t in TYPES if t)}.")
        since = _day(params.get("since"), "from")
        until = _day(params.get("until"), "to")
        tag, q = clean_tag(params.get("tag")), clean_term(params.get("q"))
        return cls(sort, kind, tag, q, since, until)

    def params(self, **changes: object) -> str:
        values: dict[str, object] = {
            "sort": self.sort,
            "type": self.kind,
            "tag": self.tag,
            "q": self.q,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v not in (None, "", "date")})

    @property
    def active(self) -> bool:
        return bool(self.kind or self.tag or self.q or self.since or self.until)

    def describe(self) -> str:
        parts = [SORTS[self.sort].lower()]
        if self.kind:
            parts.append(f"only {TYPES[self.kind].lower()}s")
        if self.tag:
            parts.append(f"with #{self.tag}")
        if self.q:
            parts.append(f"captions matching “{self.q}”")
        if self.since:
            parts.append(f"from {self.since:%b %-d, %Y}")
        if self.until:
            parts.append(f"to {self.until:%b %-d, %Y}")
        return "Posts and reels, " + ", ".join(parts) + "."


def _sort_value(post: PostRate, sort: str) -> float | int | None:
    if sort == "date":
        return int(post.taken_at.timestamp() * 1_000_000)
    value: float | int | None = getattr(post, sort)
    return value


def _key(value: float | int | None, post_id: int) -> tuple[bool, float, int]:
    """Descending order: known values first, largest first, then newest id;
    unknown values last (never ranked as 0)."""
    return (value is not None, value if value is not None else 0, post_id)


def encode_cursor(value: float | int | None, post_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([value, post_id]).encode()).decode()


def decode_cursor(cursor: str | None) -> tuple[float | int | None, int] | None:
    """[sort value, post id] as encode_cursor wrote it; BadCursor otherwise."""
    if not cursor:
        return None
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
    except (ValueError, TypeError, binascii.Error, RecursionError):
        raise BadCursor() from None
    if not (isinstance(decoded, list) and len(decoded) == 2):
        raise BadCursor()
    value, post_id = decoded
    number = type(value) in (int, float)
    if not (value is None or (number and math.isfinite(value) and abs(value) <= INT64_MAX)):
        raise BadCursor()
    if type(post_id) is not int or not 0 < post_id <= INT64_MAX:
        raise BadCursor()
    return value, post_id


@dataclass(frozen=True)
class Row:
    """A post of the list: its counts and rate, its stored row, its tier."""

    rate: PostRate
    post: Post
    tier: str | None
    band: str | None

    @property
    def is_reel(self) -> bool:
        return self.rate.is_reel

    @property
    def type_label(self) -> str:
        return TYPES.get(self.rate.product_type, self.rate.product_type)

    @property
    def likes_why(self) -> str:
        return "Unknown: the owner hid the like count on Instagram"

    @property
    def comments_why(self) -> str:
        return "Unknown: Instagram's answer did not carry the comment count"

    @property
    def plays_why(self) -> str:
        if not self.is_reel and self.rate.product_type != ProductType.IGTV:
            return "Photos and carousels have no play count"
        return "Unknown: Instagram gives play counts only to a logged-in scrape"

    @property
    def rate_why(self) -> str:
        if self.rate.likes is None or self.rate.comments is None:
            return "Unknown: likes or comments are hidden (a rate from one of them would mislead)"
        return "Unknown: igdash has no follower count for this account yet"

    @property
    def tier_why(self) -> str:
        if self.rate.rate is None:
            return "No tier without a rate"
        return "No tier: the account has no median rate yet"


def _rows(rates: Sequence[PostRate], median: float | None) -> list[Row]:
    posts = Post.objects.in_bulk([rate.post_id for rate in rates])
    return [
        Row(rate, posts[rate.post_id], analytics.tier(rate.rate, median), analytics.band(rate.rate))
        for rate in rates
        if rate.post_id in posts
    ]


@dataclass(frozen=True)
class PostsPage:
    rows: list[Row]
    next_cursor: str | None


def _filtered(target: TrackedAccount, rates: list[PostRate], filters: Filters) -> list[PostRate]:
    if filters.kind:
        rates = [rate for rate in rates if rate.product_type == filters.kind]
    if filters.since or filters.until:
        zone = timezone.get_current_timezone()
        low, high = filters.since or dt.date.min, filters.until or dt.date.max
        rates = [rate for rate in rates if low <= rate.taken_at.astimezone(zone).date() <= high]
    if filters.tag or filters.q:
        query = Q(target=target)
        if filters.tag:
            query &= analytics.tagged(target.pk, filters.tag)
        if filters.q:
            query &= Q(caption__icontains=filters.q)
        ids = set(Post.objects.filter(query).values_list("pk", flat=True))
        rates = [rate for rate in rates if rate.post_id in ids]
    return rates


def posts_page(
    target: TrackedAccount,
    rates: list[PostRate],
    median: float | None,
    filters: Filters,
    cursor: str | None,
) -> PostsPage:
    """One page of the posts list after `cursor`, in the chosen order."""
    after = decode_cursor(cursor)
    chosen = _filtered(target, rates, filters)
    keyed = sorted(
        ((_key(_sort_value(rate, filters.sort), rate.post_id), rate) for rate in chosen),
        key=lambda pair: pair[0],
        reverse=True,
    )
    if after is not None:
        limit = _key(*after)
        keyed = [pair for pair in keyed if pair[0] < limit]
    shown = [rate for _, rate in keyed[: PAGE_SIZE + 1]]
    next_cursor = None
    if len(shown) > PAGE_SIZE:
        shown = shown[:PAGE_SIZE]
        last = shown[-1]
        next_cursor = encode_cursor(_sort_value(last, filters.sort), last.post_id)
    return PostsPage(_rows(shown, median), next_cursor)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    x: float
    width: float
    height: float

    @property
    def y(self) -> float:
        return CHART_H - self.height


CHART_W, CHART_H = 600, 160


def trend_bars(trend: dict[str, float | None]) -> list[Bar]:
    """The median rate per month as SVG bars (in the page: no script)."""
    items = list(trend.items())[-24:]
    known = [value for _, value in items if value is not None]
    top = max(known) if known else 0
    if not items:
        return []
    step = CHART_W / len(items)
    return [
        Bar(
            label,
            value,
            i * step + step * 0.1,
            step * 0.8,
            (value / top * (CHART_H - 10)) if value is not None and top else 0,
        )
        for i, (label, value) in enumerate(items)
    ]


@dataclass(frozen=True)
class GridCell:
    posts: int
    rate: float | None
    level: int  # 0 no post, 1-4 quartiles of the median rates

    @property
    def label(self) -> str:
        if not self.posts:
            return "no post"
        rate = f"median rate {self.rate:.2f}%" if self.rate is not None else "rate unknown"
        return f"{self.posts} post{'s' if self.posts != 1 else ''}, {rate}"


def grid_rows(grid: dict[tuple[int, int], analytics.Cell]) -> list[tuple[str, list[GridCell]]]:
    """7 rows (Monday first) of 24 hours, each cell shaded by its median rate
    against the best cell's."""
    rates = [cell.median_rate for cell in grid.values() if cell.median_rate is not None]
    top = max(rates) if rates else 0
    rows = []
    for day, name in enumerate(WEEKDAYS):
        cells = []
        for hour in range(24):
            cell = grid.get((day, hour))
            if cell is None:
                cells.append(GridCell(0, None, 0))
                continue
            level = 1
            if cell.median_rate is not None and top:
                level = 1 + min(3, int(cell.median_rate / top * 4))
            cells.append(GridCell(cell.posts, cell.median_rate, level))
        rows.append((name, cells))
    return rows


@dataclass(frozen=True)
class ContentTab:
    target: TrackedAccount
    filters: Filters
    page: PostsPage
    summary: analytics.Summary
    trend: list[Bar]
    hashtags: list[TagRow]
    top: list[Row]
    grid: list[tuple[str, list[GridCell]]]
    cadence: float

    sorts = SORTS
    types = TYPES
    chart_w = CHART_W
    chart_h = CHART_H

    @property
    def next_url(self) -> str | None:
        if self.page.next_cursor is None:
            return None
        return self.filters.params(cursor=self.page.next_cursor)

    @property
    def trend_span(self) -> tuple[str, str]:
        return (self.trend[0].label, self.trend[-1].label) if self.trend else ("", "")

    @property
    def hashtag_links(self) -> list[tuple[TagRow, str]]:
        """Each hashtag row with the list's query string filtered by it."""
        return [(row, self.filters.params(tag=row.tag)) for row in self.hashtags]

    @property
    def time_zone(self) -> str:
        return str(timezone.get_current_timezone_name())


def summary_of(rates: list[PostRate]) -> analytics.Summary:
    """content.analytics.summary over rates already read (no second read)."""
    return analytics.Summary(
        posts=len(rates),
        reels=sum(1 for post in rates if post.is_reel),
        engagement=analytics.account_engagement(rates),
        reels_engagement=analytics.account_engagement(rates, kind="reels"),
        feed_engagement=analytics.account_engagement(rates, kind="feed"),
        median_plays=analytics.median_plays(rates),
        baseline=analytics.baseline(rates),
    )


def content_tab(target: TrackedAccount, params: Any) -> ContentTab:
    """The whole tab: cards, the first page of posts, the analytics blocks.
    A fixed number of queries whatever the number of posts."""
    filters = Filters.from_params(params)
    rates = analytics.post_rates(target.pk)
    summary = summary_of(rates)
    page = posts_page(target, rates, summary.baseline, filters, params.get("cursor"))
    return ContentTab(
        target=target,
        filters=filters,
        page=page,
        summary=summary,
        trend=trend_bars(analytics.trend(rates)),
        hashtags=analytics.hashtag_table(target.pk, rates)[:TAG_ROWS],
        top=_rows(analytics.top_content(rates, "rate", TOP_ROWS), summary.baseline),
        grid=grid_rows(analytics.weekday_hour_grid(rates)),
        cadence=analytics.cadence(rates),
    )


def rows_page(target: TrackedAccount, params: Any) -> tuple[Filters, PostsPage]:
    """The next page only (infinite scroll)."""
    filters = Filters.from_params(params)
    rates = analytics.post_rates(target.pk)
    page = posts_page(target, rates, analytics.baseline(rates), filters, params.get("cursor"))
    return filters, page


@dataclass(frozen=True)
class CurveLine:
    name: str
    points: str
    last: int | None


@dataclass(frozen=True)
class PostPage:
    target: TrackedAccount
    row: Row
    curve: list[analytics.CurvePoint]
    lines: list[CurveLine]
    hashtags: list[str]
    mentions: list[str]

    chart_w = CHART_W
    chart_h = CHART_H

    @property
    def first_at(self) -> Any:
        return self.curve[0].at if self.curve else None

    @property
    def last_at(self) -> Any:
        return self.curve[-1].at if self.curve else None


def curve_lines(curve: list[analytics.CurvePoint]) -> list[CurveLine]:
    """Likes, comments and plays across the post's snapshots as SVG polylines,
    each scaled to its own highest value (their sizes differ by 100x), on a
    time axis from the first snapshot to the last."""
    if not curve:
        return []
    start = curve[0].at.timestamp()
    span = curve[-1].at.timestamp() - start
    lines = []
    for name in ("likes", "comments", "plays"):
        known = [
            (p.at.timestamp(), getattr(p, name)) for p in curve if getattr(p, name) is not None
        ]
        if not known:
            continue
        top = max(value for _, value in known) or 1
        coords = []
        for at, value in known:
            x = (at - start) / span * CHART_W if span else CHART_W / 2
            y = CHART_H - 5 - value / top * (CHART_H - 10)
            coords.append(f"{x:.1f},{y:.1f}")
        if len(coords) == 1:
            coords.append(coords[0])
        lines.append(CurveLine(name, " ".join(coords), known[-1][1]))
    return lines


def post_page(target: TrackedAccount, post_id: int) -> PostPage:
    if not 0 < post_id <= INT64_MAX:  # SQL would refuse the number (a 500), not find it
        raise Http404("This account has no such post.")
    rates = analytics.post_rates(target.pk)
    rate = next((r for r in rates if r.post_id == post_id), None)
    if rate is None:  # a removed post keeps its page
        found = analytics.post_rates(target.pk, include_removed=True, posts=Q(pk=post_id))
        if not found:
            raise Http404("This account has no such post.")
        rate = found[0]
    row = _rows([rate], analytics.baseline(rates))[0]
    curve = analytics.metric_curve(post_id)
    tags = list(row.post.tags.order_by("kind", "tag").values_list("kind", "tag"))
    return PostPage(
        target=target,
        row=row,
        curve=curve,
        lines=curve_lines(curve),
        hashtags=[tag for kind, tag in tags if kind == TagKind.HASHTAG],
        mentions=[tag for kind, tag in tags if kind == TagKind.MENTION],
    )
