"""The analytics blocks of the Content tab as plain figures (JSON), computed
from the stored post figures (content/stored.py) and kept in one
AnalyticsSnapshot row per account: the blocks read every post (about 200 ms
of work at 10,000 posts), the figures change only when the stored ones do, so
they are computed when those are refreshed, not at each view
(docs/content-analytics.md "Stored figures").

`figures(target_id)` computes them (the pages use it directly when there is
no snapshot yet, or it was cut in another time zone); `save(target_id)`
stores them; `read(target_id)` gives the stored ones, or computes.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from content import analytics
from content.models import AnalyticsSnapshot

TAG_ROWS = 15
TOP_ROWS = 5
WEEKS_SHOWN = 26
MONTHS_SHOWN = 24
MAX_DOTS = 300

Figures = dict[str, Any]


def _tags(rows: list[analytics.TagRow]) -> list[list[Any]]:
    return [
        [row.tag, row.posts, row.median_rate, row.median_plays, row.rank] for row in rows[:TAG_ROWS]
    ]


def _reels(rates: list[analytics.PostRate]) -> Figures:
    """Plays per follower (the best, the median, how many) and the newest
    MAX_DOTS reels with a duration and a play count."""
    points = analytics.reels(rates)
    taken = {rate.post_id: rate.taken_at for rate in rates}
    known = [p for p in points if p.plays_per_follower is not None]
    best = sorted(known, key=lambda p: (p.plays_per_follower, taken[p.post_id]), reverse=True)[
        :TOP_ROWS
    ]
    dots = [p for p in points if p.duration is not None and p.plays is not None]
    return {
        "best": [[p.post_id, p.plays_per_follower] for p in best],
        "median_ppf": analytics._median(p.plays_per_follower for p in known),
        "ppf_count": len(known),
        "reels_known": len(dots),
        "dots": [[p.post_id, p.duration, p.plays] for p in dots[:MAX_DOTS]],
    }


def _engagement(value: analytics.Engagement) -> list[Any]:
    return [value.rate, value.posts, value.estimated]


def _summary(rates: list[analytics.PostRate]) -> Figures:
    """The cards' figures (content.analytics.summary over the same rates)."""
    return {
        "posts": len(rates),
        "reels": sum(1 for post in rates if post.is_reel),
        "engagement": _engagement(analytics.account_engagement(rates)),
        "reels_engagement": _engagement(analytics.account_engagement(rates, kind="reels")),
        "feed_engagement": _engagement(analytics.account_engagement(rates, kind="feed")),
        "median_plays": analytics.median_plays(rates),
        "baseline": analytics.baseline(rates),
    }


def summary(target_id: int) -> analytics.Summary:
    """The cards: from the snapshot (one row), else from the stored figures
    (content.analytics.stored_summary: a few indexed queries). Unlike the
    trends, the cards do not depend on the time zone."""
    data = AnalyticsSnapshot.objects.filter(target_id=target_id).values_list("data", flat=True)
    found = data.first()
    if not found or "summary" not in found:
        return analytics.stored_summary(target_id)
    cards = found["summary"]
    return analytics.Summary(
        posts=cards["posts"],
        reels=cards["reels"],
        engagement=analytics.Engagement(*cards["engagement"]),
        reels_engagement=analytics.Engagement(*cards["reels_engagement"]),
        feed_engagement=analytics.Engagement(*cards["feed_engagement"]),
        median_plays=cards["median_plays"],
        baseline=cards["baseline"],
    )


def figures(target_id: int) -> Figures:
    """Every block's figures over the account's stored post figures, in the
    current time zone. A fixed number of queries (the posts, two tag tables)."""
    rates = analytics.current_rates(target_id)
    local = analytics.local_times(rates)
    grid = analytics.weekday_hour_grid(rates, local=local)
    return {
        "time_zone": timezone.get_current_timezone_name(),
        "baseline": analytics.baseline(rates),
        "trend": [list(item) for item in analytics.trend(rates, local=local).items()][
            -MONTHS_SHOWN:
        ],
        "weekly": [list(item) for item in analytics.trend(rates, "week", local=local).items()][
            -WEEKS_SHOWN:
        ],
        "hashtags": _tags(analytics.hashtag_table(target_id, rates)),
        "mentions": _tags(analytics.mention_table(target_id, rates)),
        "top": [rate.post_id for rate in analytics.top_content(rates, "rate", TOP_ROWS)],
        "grid": [[day, hour, cell.posts, cell.median_rate] for (day, hour), cell in grid.items()],
        "reels": _reels(rates),
        "summary": _summary(rates),
    }


def save(target_id: int) -> Figures:
    data = figures(target_id)
    AnalyticsSnapshot.objects.update_or_create(
        target_id=target_id, defaults={"time_zone": data["time_zone"], "data": data}
    )
    return data


def read(target_id: int) -> Figures:
    """The stored figures when they were cut in the current time zone, else
    computed now (an account stored before its first refresh, a changed zone)."""
    stored = AnalyticsSnapshot.objects.filter(target_id=target_id).first()
    if stored is not None and stored.time_zone == timezone.get_current_timezone_name():
        return stored.data
    return figures(target_id)
