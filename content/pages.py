"""The Content tab of an account's page and the page of one post: what the
views hand to the templates (docs/content-analytics.md "On screen").

The tab reads the figures stored on each post (content/stored.py): its cards
are a few indexed queries, and the posts list is filtered, sorted and paged in
the database on the stored column with keyset cursors (core.keyset.by_column:
[sort value, post id] of the last row shown, never an offset; unknowns last in
both directions), so a page costs the same at any number of posts. The
analytics blocks, which need every post, are a second request
(content_analytics) the page loads after it.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts_app.models import TrackedAccount
from accounts_app.search import clean_term
from content import analytics, snapshot
from content.analytics import PostRate, TagRow
from content.models import Post, ProductType, TagKind
from core import keyset
from core.errors import BadInput
from core.keyset import INT64_MAX

PAGE_SIZE = 30
TAG_ROWS = snapshot.TAG_ROWS
TOP_ROWS = snapshot.TOP_ROWS
MAX_DOTS = snapshot.MAX_DOTS
MAX_TAG = 150

SORTS = {
    "date": "Newest first",
    "likes": "Most likes",
    "comments": "Most comments",
    "plays": "Most plays",
    "rate": "Highest rate",
}
# The same columns in ascending order (order=asc).
ASCENDING = {
    "date": "Oldest first",
    "likes": "Fewest likes",
    "comments": "Fewest comments",
    "plays": "Fewest plays",
    "rate": "Lowest rate",
}
ORDERS = {"desc": "Highest or newest first", "asc": "Lowest or oldest first"}
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
    order: str = "desc"

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
        order = params.get("order") or "desc"
        if order not in ORDERS:
            raise BadInput("Unknown order. Choose asc or desc.")
        tag, q = clean_tag(params.get("tag")), clean_term(params.get("q"))
        return cls(sort, kind, tag, q, since, until, order)

    def params(self, **changes: object) -> str:
        values: dict[str, object] = {
            "sort": self.sort,
            "type": self.kind,
            "tag": self.tag,
            "q": self.q,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "order": self.order,
        }
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v not in (None, "", "date", "desc")})

    @property
    def active(self) -> bool:
        return bool(self.kind or self.tag or self.q or self.since or self.until)

    def describe(self) -> str:
        parts = [(SORTS if self.order == "desc" else ASCENDING)[self.sort].lower()]
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


# The column each sort reads, and the kind of its cursor's value.
SORT_COLUMNS = {
    "date": ("taken_at", "time"),
    "likes": ("likes", "int"),
    "comments": ("comments", "int"),
    "plays": ("plays", "int"),
    "rate": ("rate", "float"),
}


def rate_of(post: Post) -> PostRate:
    """A post's stored figures (content/stored.py) as a PostRate."""
    return PostRate(
        post.pk,
        post.ig_pk,
        post.shortcode,
        post.product_type,
        post.taken_at,
        post.duration,
        post.likes,
        post.comments,
        post.plays,
        post.views,
        post.followers,
        post.followers_estimated,
        post.rate,
    )


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


def _row(post: Post, median: float | None) -> Row:
    rate = rate_of(post)
    return Row(rate, post, analytics.tier(rate.rate, median), analytics.band(rate.rate))


@dataclass(frozen=True)
class PostsPage:
    rows: list[Row]
    next_cursor: str | None


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight of `day` in the owner's time zone, as an aware time."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def filtered(target: TrackedAccount, filters: Filters) -> QuerySet[Post]:
    """The account's posts (not removed) the filters keep, as one query: type,
    dates (whole days in the owner's time zone), hashtag (the tag index),
    caption search."""
    query = Post.objects.filter(target=target, removed_by__isnull=True)
    if filters.kind:
        query = query.filter(product_type=filters.kind)
    if filters.since:
        query = query.filter(taken_at__gte=_day_start(filters.since))
    if filters.until and filters.until < dt.date.max:
        query = query.filter(taken_at__lt=_day_start(filters.until + dt.timedelta(days=1)))
    if filters.tag:
        query = query.filter(analytics.tagged(target.pk, filters.tag))
    if filters.q:
        query = query.filter(caption__icontains=filters.q)
    return query


def posts_page(
    target: TrackedAccount, median: float | None, filters: Filters, cursor: str | None
) -> PostsPage:
    """One page of the posts list after `cursor`, sorted and paged in the
    database on the stored column (core.keyset.by_column: unknowns last in
    both directions, the post id breaking ties)."""
    column, kind = SORT_COLUMNS[filters.sort]
    page = keyset.by_column(
        filtered(target, filters),
        column,
        cursor,
        PAGE_SIZE,
        descending=filters.order == "desc",
        kind=kind,
    )
    return PostsPage([_row(post, median) for post in page.items], page.next_cursor)


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


def trend_bars(trend: dict[str, float | None], last: int = 24) -> list[Bar]:
    """The median rate per period (the `last` periods) as SVG bars (in the
    page: no script)."""
    items = list(trend.items())[-last:]
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
    """The tab's first answer: the cards and the first page of posts, all read
    from the stored figures with a fixed number of small queries. The analytics
    blocks come in a second request (ContentAnalytics): they read every post."""

    target: TrackedAccount
    filters: Filters
    page: PostsPage
    summary: analytics.Summary
    cadence: float

    sorts = SORTS
    orders = ORDERS
    types = TYPES

    @property
    def next_url(self) -> str | None:
        if self.page.next_cursor is None:
            return None
        return self.filters.params(cursor=self.page.next_cursor)

    @property
    def time_zone(self) -> str:
        return str(timezone.get_current_timezone_name())


def content_tab(target: TrackedAccount, params: Any) -> ContentTab:
    """The cards (the account's analytics snapshot, else the stored figures'
    indexed queries) and the first page of posts: a fixed number of queries
    whatever the number of posts."""
    filters = Filters.from_params(params)
    summary = snapshot.summary(target.pk)
    page = posts_page(target, summary.baseline, filters, params.get("cursor"))
    return ContentTab(
        target=target,
        filters=filters,
        page=page,
        summary=summary,
        cadence=analytics.stored_cadence(target.pk),
    )


def rows_page(target: TrackedAccount, params: Any) -> tuple[Filters, PostsPage]:
    """The next page only (infinite scroll)."""
    filters = Filters.from_params(params)
    page = posts_page(target, analytics.stored_baseline(target.pk), filters, params.get("cursor"))
    return filters, page


@dataclass(frozen=True)
class Dot:
    """One reel of the duration-against-plays chart, its coordinates as the
    SVG wants them (formatted here: hundreds of points through template
    filters cost more than the rest of the blocks)."""

    post_id: int
    duration: float
    plays: int
    x: str
    y: str
    label: str


def reel_dots(points: Sequence[analytics.ReelPoint], limit: int = MAX_DOTS) -> list[Dot]:
    """The newest `limit` reels with a known duration and play count on a
    chart of duration (x, 0 to the longest) against plays (y, 0 to the most
    played). `points` come newest first."""
    known = [
        (p.post_id, p.duration, p.plays)
        for p in points
        if p.duration is not None and p.plays is not None
    ][:limit]
    if not known:
        return []
    longest = max(duration for _, duration, _ in known) or 1.0
    most = max(plays for *_, plays in known) or 1
    pad = 8
    return [
        Dot(
            post_id,
            duration,
            plays,
            f"{pad + duration / longest * (CHART_W - 2 * pad):.1f}",
            f"{CHART_H - pad - plays / most * (CHART_H - 2 * pad):.1f}",
            f"{duration:.1f} s: {plays:,} plays",
        )
        for post_id, duration, plays in known
    ]


@dataclass(frozen=True)
class ReelRow:
    rate: PostRate
    plays_per_follower: float


@dataclass(frozen=True)
class ContentAnalytics:
    """The analytics blocks of the tab (its second request): trends per month
    and per week, top content, hashtag and mention tables, the weekday x hour
    grid, and the reels' plays per follower and duration against plays."""

    target: TrackedAccount
    filters: Filters
    trend: list[Bar]
    weekly: list[Bar]
    hashtags: list[TagRow]
    mentions: list[TagRow]
    top: list[Row]
    grid: list[tuple[str, list[GridCell]]]
    dots: list[Dot]
    reels: list[ReelRow]
    median_ppf: float | None
    ppf_count: int  # reels with a known plays per follower
    reels_known: int  # reels with a known duration and play count

    chart_w = CHART_W
    chart_h = CHART_H

    @property
    def hashtag_links(self) -> list[tuple[TagRow, str]]:
        """Each hashtag row with the list's query string filtered by it."""
        return [(row, self.filters.params(tag=row.tag)) for row in self.hashtags]

    @property
    def time_zone(self) -> str:
        return str(timezone.get_current_timezone_name())

    @property
    def trend_span(self) -> tuple[str, str]:
        return span(self.trend)

    @property
    def weekly_span(self) -> tuple[str, str]:
        return span(self.weekly)

    @property
    def longest(self) -> float:
        return max((dot.duration for dot in self.dots), default=0)

    @property
    def most_plays(self) -> int:
        return max((dot.plays for dot in self.dots), default=0)


def span(bars: Sequence[Bar]) -> tuple[str, str]:
    return (bars[0].label, bars[-1].label) if bars else ("", "")


def _tag_rows(rows: list[list[Any]]) -> list[TagRow]:
    return [TagRow(*row) for row in rows]


def _grid(cells: list[list[Any]]) -> dict[tuple[int, int], analytics.Cell]:
    return {(day, hour): analytics.Cell(posts, rate) for day, hour, posts, rate in cells}


def content_analytics(target: TrackedAccount, params: Any) -> ContentAnalytics:
    """Every block that needs all the posts, from the account's analytics
    snapshot (content/snapshot.py: one row, refreshed with the stored
    figures), plus the few posts the blocks show."""
    filters = Filters.from_params(params)
    data = snapshot.read(target.pk)
    reels = data["reels"]
    shown = Post.objects.in_bulk([*data["top"], *(pid for pid, _ in reels["best"])])
    median = data["baseline"]
    return ContentAnalytics(
        target=target,
        filters=filters,
        trend=trend_bars(dict(data["trend"])),
        weekly=trend_bars(dict(data["weekly"]), last=snapshot.WEEKS_SHOWN),
        hashtags=_tag_rows(data["hashtags"]),
        mentions=_tag_rows(data["mentions"]),
        top=[_row(shown[pid], median) for pid in data["top"] if pid in shown],
        grid=grid_rows(_grid(data["grid"])),
        dots=reel_dots(
            [
                analytics.ReelPoint(pid, duration, plays, None)
                for pid, duration, plays in reels["dots"]
            ]
        ),
        reels=[ReelRow(rate_of(shown[pid]), ppf) for pid, ppf in reels["best"] if pid in shown],
        median_ppf=reels["median_ppf"],
        ppf_count=reels["ppf_count"],
        reels_known=reels["reels_known"],
    )


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

    @property
    def flat(self) -> bool:
        """No count moved across the snapshots (or there is only one): a
        chart of level lines says nothing, the page says "unchanged since"."""
        if not self.curve:
            return False
        first = self.curve[0]
        return all(
            getattr(point, name) == getattr(first, name)
            for point in self.curve
            for name in ("likes", "comments", "plays")
        )

    @property
    def unchanged_since(self) -> Any:
        """When the current counts were first seen."""
        return self.curve[0].at if self.curve else None


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
    # A removed post keeps its page (its last known counts).
    post = Post.objects.filter(target=target, pk=post_id).first()
    if post is None:
        raise Http404("This account has no such post.")
    row = _row(post, analytics.stored_baseline(target.pk))
    curve = analytics.metric_curve(post_id)
    tags = list(post.tags.order_by("kind", "tag").values_list("kind", "tag"))
    return PostPage(
        target=target,
        row=row,
        curve=curve,
        lines=curve_lines(curve),
        hashtags=[tag for kind, tag in tags if kind == TagKind.HASHTAG],
        mentions=[tag for kind, tag in tags if kind == TagKind.MENTION],
    )
