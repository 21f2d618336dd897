"""The content figures of docs/content-analytics.md, computed from stored rows.

Pure reads: nothing here writes. Every entry point costs a fixed number of
queries whatever the number of posts (post_rates: two; the others build on
its result or add one), and the arithmetic runs in Python on the rows read,
so each figure is testable on a hand-computed fixture.
"""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db import connection, models
from django.db.models import Count, F, FilteredRelation, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from content.models import Post, PostMetrics, PostTag, ProductType, TagKind
from scraping.models import Scrape, ScrapeStats

RECENT_POSTS = 12
TIER_WINDOW = dt.timedelta(days=90)
TAG_MIN_POSTS = 3
CADENCE_WEEKS = 12


class PostRate(NamedTuple):
    """One post with its current (last known) counts and its engagement rate.
    A named tuple: built 10,000 times for a big account, and a frozen dataclass
    costs several times as much to build."""

    post_id: int
    ig_pk: int
    shortcode: str
    product_type: str
    taken_at: dt.datetime
    duration: float | None
    likes: int | None
    comments: int | None
    plays: int | None
    views: int | None
    followers: int | None
    estimated: bool
    rate: float | None

    @property
    def is_reel(self) -> bool:
        return self.product_type == ProductType.CLIPS


def engagement_rate(likes: int | None, comments: int | None, followers: int | None) -> float | None:
    """(likes + comments) / followers x 100; unknown when a count is unknown
    (a rate from comments alone would rank hidden-like posts as the worst) or
    when there is no follower count to divide by."""
    if likes is None or comments is None or not followers:
        return None
    return (likes + comments) / followers * 100


def follower_history(target_id: int) -> tuple[list[dt.datetime], list[int]]:
    """The follower counts igdash recorded for the target, oldest first: each
    finalised scrape's profile count (Instagram's own figure, taken at the
    start of the run), or, when the run had none (an import), the number of
    followers a complete list held. One query."""
    rows = (
        ScrapeStats.objects.filter(target_id=target_id)
        .annotate(count=Coalesce(F("scrape__profile_follower_count"), F("followers")))
        .filter(count__isnull=False)
        .order_by("taken_at", "scrape_id")
        .values_list("taken_at", "count")
    )
    times, counts = [], []
    for taken_at, count in rows:
        times.append(taken_at)
        counts.append(count)
    return times, counts


def followers_at(history: tuple[list[dt.datetime], list[int]], when: dt.datetime) -> int | None:
    """The count of the latest recorded scrape at or before `when`."""
    times, counts = history
    index = bisect.bisect_right(times, when)
    return counts[index - 1] if index else None


def post_rates(
    target_id: int, *, include_removed: bool = False, posts: Q | None = None, at: int | None = None
) -> list[PostRate]:
    """Every post of the target (newest first) with its last known counts and
    its rate; with `at` (a scrape id), the posts listed by then and not yet
    removed, with the counts as that scrape saw them (the metrics interval it
    falls in: first_seen <= at < ended_by). Followers: the history's count at
    the post's date; else the profile's count at the scrape that first listed
    the post (the nearest to its date igdash has), else the account's latest
    count, both flagged estimated.
    Two queries."""
    history = follower_history(target_id)
    query = Post.objects.filter(target_id=target_id)
    current = Q(metrics__ended_by__isnull=True)
    if at is not None:
        query = query.filter(first_seen_id__lte=at)
        current = Q(metrics__first_seen_id__lte=at) & (current | Q(metrics__ended_by_id__gt=at))
        if not include_removed:
            query = query.filter(Q(removed_by__isnull=True) | Q(removed_by_id__gt=at))
    elif not include_removed:
        query = query.filter(removed_by__isnull=True)
    if posts is not None:
        query = query.filter(posts)
    rows = (
        query.annotate(now=FilteredRelation("metrics", condition=current))
        .order_by("-taken_at", "-id")
        .values_list(
            "id",
            "ig_pk",
            "shortcode",
            "product_type",
            "taken_at",
            "duration",
            "now__likes",
            "now__comments",
            "now__plays",
            "now__views",
            "first_seen__profile_follower_count",
            "target__follower_count",
        )
    )
    # Run as plain SQL: Django's per-row converters (a datetime parse through
    # its own helpers for each of 10,000 rows) were half of the function's time.
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    result = []
    for row in fetched:
        # (id, ig_pk, shortcode, product_type, taken_at, duration, likes,
        #  comments, plays, views) then the two fallback follower counts.
        *post, at_scrape, latest = row
        taken_at = post[4] = _aware(post[4])
        followers = followers_at(history, taken_at)
        estimated = followers is None
        if estimated:
            followers = at_scrape if at_scrape is not None else latest
        likes, comments = post[6], post[7]
        result.append(
            PostRate._make(
                [*post, followers, estimated, engagement_rate(likes, comments, followers)]
            )
        )
    return result


_POST_TABLE = connection.ops.quote_name(Post._meta.db_table)
STORED = (
    "id",
    "ig_pk",
    "shortcode",
    "product_type",
    "taken_at",
    "duration",
    "likes",
    "comments",
    "plays",
    "views",
    "followers",
    "followers_estimated",
    "rate",
)


def current_rates(
    target_id: int, *, include_removed: bool = False, posts: Q | None = None
) -> list[PostRate]:
    """post_rates for now, read from the figures stored on each post
    (content/stored.py keeps them equal to post_rates' own): one query and no
    arithmetic, newest first."""
    query = Post.objects.filter(target_id=target_id)
    if not include_removed:
        query = query.filter(removed_by__isnull=True)
    if posts is not None:
        query = query.filter(posts)
    columns = list(STORED)
    if connection.vendor == "sqlite":
        # The date as SQLite's text: the driver's converter for a timestamp
        # column (a regular expression a row) was a third of the read.
        text = RawSQL(f"{_POST_TABLE}.taken_at || ''", ())  # noqa: S611  (no input in it)
        query = query.annotate(taken_text=text)
        columns[4] = "taken_text"
    rows = query.order_by("-taken_at", "-id").values_list(*columns)
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    return [stored_rate(row) for row in fetched]


def stored_rate(row: Sequence[Any]) -> PostRate:
    """A PostRate from the STORED columns of one post, as the database hands them."""
    return PostRate(
        row[0],
        row[1],
        row[2],
        row[3],
        _aware(row[4]),
        row[5],
        row[6],
        row[7],
        row[8],
        row[9],
        row[10],
        bool(row[11]),  # SQLite: 0/1
        row[12],
    )


def _aware(value: dt.datetime | str) -> dt.datetime:
    """A stored date as an aware UTC datetime: SQLite hands back text, other
    databases a datetime (naive in UTC, or aware)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _median(values: Iterable[float | int | None]) -> float | None:
    known = [value for value in values if value is not None]
    return statistics.median(known) if known else None


@dataclass(frozen=True)
class Engagement:
    """Median rate of the last RECENT_POSTS posts with a known rate; `posts`:
    how many it rests on (fewer than 12 for a young account)."""

    rate: float | None
    posts: int
    estimated: bool


def account_engagement(rates: Sequence[PostRate], *, kind: str | None = None) -> Engagement:
    """kind: None (all posts), "reels" or "feed" (everything but reels)."""
    chosen = [
        post
        for post in sorted(rates, key=lambda post: post.taken_at, reverse=True)
        if post.rate is not None and (kind is None or (kind == "reels") == post.is_reel)
    ][:RECENT_POSTS]
    return Engagement(
        _median(post.rate for post in chosen),
        len(chosen),
        any(post.estimated for post in chosen),
    )


def baseline(rates: Sequence[PostRate]) -> float | None:
    """The account's own median rate over the TIER_WINDOW (90 days) ending at
    its newest post with a known rate: a dormant account keeps its tiers, and
    they do not change with the day the page is looked at."""
    known = [post for post in rates if post.rate is not None]
    if not known:
        return None
    newest = max(post.taken_at for post in known)
    return _median(post.rate for post in known if post.taken_at > newest - TIER_WINDOW)


TIERS = (("top", 2.0), ("above", 1.0), ("below", 0.5))
BANDS = (("low", 1.0), ("average", 3.5), ("high", 6.0))


def tier(rate: float | None, median: float | None) -> str | None:
    """top >= 2x the account's median, above >= 1x, below >= 0.5x, low < 0.5x."""
    if rate is None or not median:
        return None
    for name, factor in TIERS:
        if rate >= factor * median:
            return name
    return "low"


def band(rate: float | None) -> str | None:
    """The usual absolute bands: low < 1 %, average 1-3.5 %, high 3.5-6 %,
    very high >= 6 %."""
    if rate is None:
        return None
    for name, upper in BANDS:
        if rate < upper:
            return name
    return "very high"


def top_content(rates: Sequence[PostRate], by: str = "rate", limit: int = 10) -> list[PostRate]:
    """The best posts by rate, plays or comments; unknown values are left out."""
    if by not in ("rate", "plays", "comments", "likes", "views"):
        raise ValueError(f"cannot rank by {by!r}")
    known = [post for post in rates if getattr(post, by) is not None]
    # heapq.nlargest is sorted(..., reverse=True)[:limit] without sorting them all.
    return heapq.nlargest(limit, known, key=lambda post: (getattr(post, by), post.taken_at))


@dataclass(frozen=True)
class TagRow:
    tag: str
    posts: int
    median_rate: float | None
    median_plays: float | None
    rank: int | None  # None: fewer than TAG_MIN_POSTS posts, shown but not ranked


def tag_table(target_id: int, kind: int, rates: Sequence[PostRate]) -> list[TagRow]:
    """Per hashtag (or mention): posts, median rate, median plays. Ranked by
    median rate only with TAG_MIN_POSTS posts or more (one lucky post is not a
    tag that works); the others follow, by posts. One query."""
    by_post = {post.post_id: post for post in rates}
    tagged: dict[str, list[PostRate]] = defaultdict(list)
    query = PostTag.objects.filter(target_id=target_id, kind=kind).values_list("tag", "post_id")
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:  # plain rows: tens of thousands of pairs
        cursor.execute(sql, params)
        pairs = cursor.fetchall()
    for tag, post_id in pairs:
        post = by_post.get(post_id)
        if post is not None:
            tagged[tag].append(post)
    rows = [
        TagRow(
            tag,
            len(posts),
            _median(post.rate for post in posts),
            _median(post.plays for post in posts),
            None,
        )
        for tag, posts in tagged.items()
    ]
    ranked = sorted(
        (row for row in rows if row.posts >= TAG_MIN_POSTS and row.median_rate is not None),
        key=lambda row: (-row.median_rate, -row.posts, row.tag),  # type: ignore[operator]
    )
    rest = sorted(
        (row for row in rows if row.posts < TAG_MIN_POSTS or row.median_rate is None),
        key=lambda row: (-row.posts, row.tag),
    )
    return [
        TagRow(row.tag, row.posts, row.median_rate, row.median_plays, rank)
        for rank, row in enumerate(ranked, start=1)
    ] + rest


def hashtag_table(target_id: int, rates: Sequence[PostRate]) -> list[TagRow]:
    return tag_table(target_id, TagKind.HASHTAG, rates)


def mention_table(target_id: int, rates: Sequence[PostRate]) -> list[TagRow]:
    return tag_table(target_id, TagKind.MENTION, rates)


def cadence(
    rates: Sequence[PostRate], *, weeks: int = CADENCE_WEEKS, now: dt.datetime | None = None
) -> float:
    """Posts a week over the last `weeks` weeks before now."""
    now = now or timezone.now()
    since = now - dt.timedelta(weeks=weeks)
    return sum(1 for post in rates if since < post.taken_at <= now) / weeks


def weekly_posts(rates: Sequence[PostRate], tz: dt.tzinfo | None = None) -> dict[str, int]:
    """Posts per ISO week ("2026-W07") in `tz` (default: TIME_ZONE), oldest first."""
    zone = tz or timezone.get_default_timezone()
    counts: dict[str, int] = defaultdict(int)
    for post in sorted(rates, key=lambda post: post.taken_at):
        counts[_week(post.taken_at.astimezone(zone))] += 1
    return dict(counts)


def tagged(target_id: int, tag: str, kind: int = TagKind.HASHTAG) -> Q:
    """The posts whose caption has `tag` (as stored: lowercase, no sign), for
    post_rates(posts=...) or a Post queryset: a read of the (target, kind, tag)
    index, not a scan of captions."""
    return Q(
        pk__in=PostTag.objects.filter(target_id=target_id, kind=kind, tag=tag).values("post_id")
    )


@dataclass(frozen=True)
class Cell:
    posts: int
    median_rate: float | None


def local_times(rates: Sequence[PostRate], tz: dt.tzinfo | None = None) -> list[dt.datetime]:
    """Each post's taken_at in `tz` (default: TIME_ZONE), in the order of
    `rates`: computed once for the trend and the grid of one page."""
    zone = tz or timezone.get_default_timezone()
    return [post.taken_at.astimezone(zone) for post in rates]


def weekday_hour_grid(
    rates: Sequence[PostRate],
    tz: dt.tzinfo | None = None,
    *,
    local: Sequence[dt.datetime] | None = None,
) -> dict[tuple[int, int], Cell]:
    """(weekday 0 = Monday, hour) -> posts and median rate, in `tz` (default:
    the configured TIME_ZONE): when the owner's audience sees the post.
    `local`: local_times(rates, tz), when the caller has them."""
    cells: dict[tuple[int, int], list[float | None]] = defaultdict(list)
    for post, when in zip(rates, local or local_times(rates, tz), strict=True):
        cells[(when.weekday(), when.hour)].append(post.rate)
    return {key: Cell(len(found), _median(found)) for key, found in sorted(cells.items())}


@dataclass(frozen=True)
class ReelPoint:
    post_id: int
    duration: float | None
    plays: int | None
    plays_per_follower: float | None


def reels(rates: Sequence[PostRate]) -> list[ReelPoint]:
    """Each reel's plays per follower (plays / followers at its date) and its
    duration against plays; unknowns stay None."""
    return [
        ReelPoint(
            post.post_id,
            post.duration,
            post.plays,
            post.plays / post.followers if post.plays is not None and post.followers else None,
        )
        for post in rates
        if post.is_reel
    ]


def median_plays(rates: Sequence[PostRate]) -> float | None:
    return _median(post.plays for post in rates if post.is_reel)


def _month(when: dt.datetime) -> str:
    return f"{when.year:04d}-{when.month:02d}"


def _week(when: dt.datetime) -> str:
    year, week, _ = when.isocalendar()
    return f"{year:04d}-W{week:02d}"


def trend(
    rates: Sequence[PostRate],
    period: str = "month",
    tz: dt.tzinfo | None = None,
    *,
    local: Sequence[dt.datetime] | None = None,
) -> dict[str, float | None]:
    """Median rate per month ("2026-03") or ISO week ("2026-W09"), oldest
    first (the zero-padded labels sort as the periods do). `local`:
    local_times(rates, tz), when the caller has them."""
    key: Callable[[dt.datetime], str] = {"month": _month, "week": _week}[period]
    groups: dict[str, list[float | None]] = defaultdict(list)
    for post, when in zip(rates, local or local_times(rates, tz), strict=True):
        groups[key(when)].append(post.rate)
    return {name: _median(groups[name]) for name in sorted(groups)}


@dataclass(frozen=True)
class CurvePoint:
    scrape_id: int
    at: dt.datetime
    likes: int | None
    comments: int | None
    plays: int | None
    ig_plays: int | None
    views: int | None


def metric_curve(post_id: int) -> list[CurvePoint]:
    """A post's counts across its snapshots: one point where each interval
    starts, and a last point at the post's last sighting when its values have
    not changed since (the line runs flat to it). Two queries."""
    when = Coalesce("first_seen__finished_at", "first_seen__started_at", "first_seen__created_at")
    rows = (
        PostMetrics.objects.filter(post_id=post_id)
        .annotate(at=when)
        .order_by("first_seen_id")
        .values_list("first_seen_id", "at", *PostMetrics.FIELDS)
    )
    points = [CurvePoint(*row) for row in rows]
    last = (
        Scrape.objects.filter(pk=Post.objects.filter(pk=post_id).values("last_seen_id")[:1])
        .annotate(at=Coalesce("finished_at", "started_at", "created_at"))
        .values_list("pk", "at")
        .first()
    )
    if points and last is not None and last[0] > points[-1].scrape_id:
        tail = points[-1]
        points.append(CurvePoint(last[0], last[1], *(getattr(tail, f) for f in PostMetrics.FIELDS)))
    return points


@dataclass(frozen=True)
class Summary:
    posts: int
    reels: int
    engagement: Engagement
    reels_engagement: Engagement
    feed_engagement: Engagement
    median_plays: float | None
    baseline: float | None


def summary(target_id: int) -> Summary:
    """The summary cards of the Content tab. Two queries."""
    rates = post_rates(target_id)
    return Summary(
        posts=len(rates),
        reels=sum(1 for post in rates if post.is_reel),
        engagement=account_engagement(rates),
        reels_engagement=account_engagement(rates, kind="reels"),
        feed_engagement=account_engagement(rates, kind="feed"),
        median_plays=median_plays(rates),
        baseline=baseline(rates),
    )


# --- The same figures from the stored columns (content/stored.py) ------------------------
# The Content tab's first page needs the cards without reading every post:
# each figure below is one or two indexed queries whatever the number of posts,
# and equals its counterpart above over current_rates (the tests compare them).


def _live(target_id: int) -> models.QuerySet[Post]:
    return Post.objects.filter(target_id=target_id, removed_by__isnull=True)


def stored_engagement(target_id: int, *, kind: str | None = None) -> Engagement:
    """account_engagement over the stored rates: the last RECENT_POSTS posts
    with a known rate (the (target, taken_at) index, newest first). One query."""
    query = _live(target_id).filter(rate__isnull=False)
    if kind is not None:
        reels = Q(product_type=ProductType.CLIPS)
        query = query.filter(reels if kind == "reels" else ~reels)
    chosen = list(
        query.order_by("-taken_at", "-id").values_list("rate", "followers_estimated")[:RECENT_POSTS]
    )
    return Engagement(
        _median(rate for rate, _ in chosen), len(chosen), any(est for _, est in chosen)
    )


def stored_baseline(target_id: int) -> float | None:
    """baseline over the stored rates: the median of the TIER_WINDOW ending at
    the newest post with a known rate. Two queries."""
    known = _live(target_id).filter(rate__isnull=False)
    newest = known.order_by("-taken_at").values_list("taken_at", flat=True).first()
    if newest is None:
        return None
    return _median(known.filter(taken_at__gt=newest - TIER_WINDOW).values_list("rate", flat=True))


def stored_median_plays(target_id: int) -> float | None:
    """median_plays over the stored counts, in the database: the middle one or
    two of the reels' known play counts in (target, plays) order. Two queries."""
    plays = _live(target_id).filter(product_type=ProductType.CLIPS, plays__isnull=False)
    count = plays.count()
    if not count:
        return None
    middle = plays.order_by("plays").values_list("plays", flat=True)
    return _median(middle[(count - 1) // 2 : count // 2 + 1])


def stored_summary(target_id: int) -> Summary:
    """summary() from the stored columns: seven small queries at any size."""
    counts = _live(target_id).aggregate(
        posts=Count("id"), reels=Count("id", filter=Q(product_type=ProductType.CLIPS))
    )
    return Summary(
        posts=counts["posts"],
        reels=counts["reels"],
        engagement=stored_engagement(target_id),
        reels_engagement=stored_engagement(target_id, kind="reels"),
        feed_engagement=stored_engagement(target_id, kind="feed"),
        median_plays=stored_median_plays(target_id),
        baseline=stored_baseline(target_id),
    )


def stored_cadence(
    target_id: int, *, weeks: int = CADENCE_WEEKS, now: dt.datetime | None = None
) -> float:
    """cadence() as one count of the (target, taken_at) index."""
    now = now or timezone.now()
    since = now - dt.timedelta(weeks=weeks)
    return _live(target_id).filter(taken_at__gt=since, taken_at__lte=now).count() / weeks
