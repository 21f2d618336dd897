"""Audience figures (docs/audience.md defines each): the commenters of a tracked
account crossed with its follower history, shares, overlap between two accounts,
pods and generic comments, and a post's comments over time. Each figure is a
fixed number of SQL statements, whatever the number of comments or followers."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q
from django.utils.dateparse import parse_datetime

from audience.models import Comment
from scraping.models import Direction, ScrapeList, ScrapeStats

POD_WINDOW_MINUTES = 15
POD_MIN_POSTS = 3
GENERIC_MIN_AUTHORS = 3
GENERIC_MAX_WORDS = 3
TIMELINE_HOURS = (1, 3, 6, 12, 24, 48, 72, 168)


@dataclass(frozen=True)
class Baseline:
    """The latest complete follower scrape of the account (None: follows unknown)."""

    scrape_id: int | None
    taken_at: dt.datetime | None
    first_taken_at: dt.datetime | None  # igdash's first complete follower scrape


@dataclass
class Commenter:
    author_id: int
    ig_pk: int | None
    username: str
    full_name: str
    is_private: bool
    is_verified: bool
    comments: int
    posts: int
    first_at: dt.datetime
    last_at: dt.datetime
    recent_posts: int
    follows: bool | None
    following_since: dt.datetime | None
    loyal: bool
    left: bool
    new_follower_commented_first: bool


def baseline(target_id: int) -> Baseline:
    complete = ScrapeList.objects.filter(
        scrape__target_id=target_id, direction=Direction.FOLLOWER, complete=True
    )
    latest = complete.order_by("-scrape_id").values_list("scrape_id", "scrape__created_at").first()
    first = complete.order_by("scrape_id").values_list("scrape__created_at", flat=True).first()
    if latest is None:
        return Baseline(None, None, None)
    return Baseline(latest[0], latest[1], first)


def _when(value: Any) -> dt.datetime | None:
    """A datetime from the database (SQLite hands raw SQL text back)."""
    if value is None or isinstance(value, dt.datetime):
        return value
    try:
        parsed: dt.datetime | None = dt.datetime.fromisoformat(str(value))  # fast, in C
    except ValueError:
        parsed = parse_datetime(str(value))
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


# The follower history of each commenter is read through the relationship
# table's user index (a few rows per commenter), never by scanning the
# account's followers: `+r.target_id` keeps SQLite from choosing the
# (target, direction) index, which would walk all 1,000,000 followers.
_WHERE = "WHERE r.user_id = c.author_id AND +r.target_id = %(t)s AND +r.direction = %(follower)s"
_REL = f"FROM scraping_relationship r {_WHERE}"
_SINCE = f"FROM scraping_relationship r JOIN scraping_scrape s ON s.id = r.first_seen_id {_WHERE}"
_ENDED = f"FROM scraping_relationship r JOIN scraping_scrape e ON e.id = r.ended_by_id {_WHERE}"
COMMENTERS_SQL = f"""
WITH recent AS (
    SELECT id FROM content_post
    WHERE target_id = %(t)s AND removed_by_id IS NULL
    ORDER BY taken_at DESC LIMIT %(loyal_posts)s
), c AS (
    SELECT author_id, COUNT(*) AS comments, COUNT(DISTINCT post_id) AS posts,
           MIN(created_at) AS first_at, MAX(created_at) AS last_at,
           COUNT(DISTINCT CASE WHEN post_id IN (SELECT id FROM recent) THEN post_id END)
               AS recent_posts
    FROM audience_comment
    WHERE target_id = %(t)s AND removed_by_id IS NULL
    GROUP BY author_id
)
SELECT c.author_id, u.ig_pk, u.username, u.full_name, u.is_private, u.is_verified,
       c.comments, c.posts, c.first_at, c.last_at, c.recent_posts,
       (SELECT MAX(CASE WHEN r.first_seen_id <= %(base)s
                         AND (r.ended_by_id IS NULL OR r.ended_by_id > %(base)s)
                        THEN 1 ELSE 0 END) {_REL}) AS follows,
       (SELECT MIN(s.created_at) {_SINCE}) AS since,
       (SELECT MAX(e.created_at) {_ENDED} AND r.ended_by_id <= %(base)s) AS ended_at
FROM c
JOIN accounts_app_iguser u ON u.id = c.author_id
"""  # noqa: S608 (no user input: fixed fragments; values are parameters)


def _params(target_id: int, base: Baseline) -> dict[str, int]:
    return {
        "t": target_id,
        "loyal_posts": settings.AUDIENCE_LOYAL_POSTS,
        "base": base.scrape_id if base.scrape_id is not None else 0,
        "follower": int(Direction.FOLLOWER),
    }


def commenter_rows(target_id: int, base: Baseline, chunk: int = 2000) -> Iterator[tuple[Any, ...]]:
    """The commenters SQL's raw rows, most comments first (then username), read
    `chunk` at a time: what the export streams without building objects."""
    with connection.cursor() as cursor:
        sql = COMMENTERS_SQL + " ORDER BY c.comments DESC, u.username, c.author_id"
        cursor.execute(sql, _params(target_id, base))
        while rows := cursor.fetchmany(chunk):
            yield from rows


def commenters(target_id: int) -> list[Commenter]:
    """Every commenter of the account's stored comments (removed ones left out),
    with the follower history at the latest complete follower scrape."""
    base = baseline(target_id)
    with connection.cursor() as cursor:
        cursor.execute(COMMENTERS_SQL, _params(target_id, base))
        rows = cursor.fetchall()
    loyal_min = int(settings.AUDIENCE_LOYAL_MIN)  # read once: settings lookups are slow
    return [_commenter(row, base, loyal_min) for row in rows]


def _commenter(row: tuple[Any, ...], base: Baseline, loyal_min: int) -> Commenter:
    (author_id, ig_pk, username, full_name, private, verified, comments, posts) = row[:8]
    first_at, last_at = _when(row[8]), _when(row[9])
    recent, follows_raw, since, ended_at = row[10], row[11], _when(row[12]), _when(row[13])
    assert first_at is not None and last_at is not None
    follows: bool | None = None if base.scrape_id is None else bool(follows_raw)
    left = follows is False and ended_at is not None and ended_at > first_at
    first_scrape = base.first_taken_at
    new_first = bool(
        follows
        and since is not None
        and first_scrape is not None
        and since > first_scrape
        and first_at < since
    )
    return Commenter(
        author_id=author_id,
        ig_pk=ig_pk,
        username=username,
        full_name=full_name,
        is_private=bool(private),
        is_verified=bool(verified),
        comments=comments,
        posts=posts,
        first_at=first_at,
        last_at=last_at,
        recent_posts=recent,
        follows=follows,
        following_since=since if follows else None,
        loyal=recent >= loyal_min,
        left=left,
        new_follower_commented_first=new_first,
    )


def followers_at(target_id: int, scrape_id: int) -> int:
    """Followers at that complete scrape: the count its finalise wrote
    (ScrapeStats), else the intervals that hold at it."""
    written = (
        ScrapeStats.objects.filter(scrape_id=scrape_id, followers__isnull=False)
        .values_list("followers", flat=True)
        .first()
    )
    if written is not None:
        return int(written)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM scraping_relationship WHERE target_id = %s AND direction = %s"
            " AND first_seen_id <= %s AND (ended_by_id IS NULL OR ended_by_id > %s)",
            [target_id, int(Direction.FOLLOWER), scrape_id, scrape_id],
        )
        return int(cursor.fetchone()[0])


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def shares(target_id: int, rows: list[Commenter] | None = None) -> dict[str, Any]:
    """Commenters who follow / do not / unknown, engaged followers, private and
    verified commenters, loyal, left, and the flagged patterns."""
    rows = commenters(target_id) if rows is None else rows
    base = baseline(target_id)
    total = len(rows)
    follow = sum(1 for r in rows if r.follows)
    followers = followers_at(target_id, base.scrape_id) if base.scrape_id else None
    flags = flagged(target_id)
    return {
        "commenters": total,
        "comments": sum(r.comments for r in rows),
        "known": base.scrape_id is not None,
        "follow": follow,
        "not_follow": sum(1 for r in rows if r.follows is False),
        "follow_pct": _share(follow, total) if base.scrape_id else None,
        "followers": followers,
        "engaged_followers_pct": _share(follow, followers) if followers else None,
        "private": sum(1 for r in rows if r.is_private),
        "private_pct": _share(sum(1 for r in rows if r.is_private), total),
        "verified": sum(1 for r in rows if r.is_verified),
        "verified_pct": _share(sum(1 for r in rows if r.is_verified), total),
        "loyal": sum(1 for r in rows if r.loyal),
        "left": sum(1 for r in rows if r.left),
        "new_first": sum(1 for r in rows if r.new_follower_commented_first),
        "pod_members": len(flags["pod_members"]),
        "pods": flags["pods"],
        "generic_commenters_pct": _share(len(flags["generic_authors"]), total),
        "emoji_commenters_pct": _share(len(flags["emoji_authors"]), total),
        "generic_comments_pct": _share(flags["generic_comments"], flags["comments"]),
        "emoji_comments_pct": _share(flags["emoji_comments"], flags["comments"]),
    }


EARLY_SQL = """
SELECT c.post_id, c.author_id FROM audience_comment c
JOIN content_post p ON p.id = c.post_id
WHERE c.target_id = %s AND c.removed_by_id IS NULL AND c.parent_pk IS NULL
  AND c.created_at <= {window}
GROUP BY c.post_id, c.author_id
"""


def _early_sql() -> str:
    minutes = POD_WINDOW_MINUTES
    if connection.vendor == "sqlite":
        window = f"datetime(p.taken_at, '+{minutes} minutes')"
    else:
        window = f"p.taken_at + interval '{minutes} minutes'"
    return EARLY_SQL.format(window=window)


def pods(target_id: int) -> list[list[int]]:
    """Groups of commenters (IgUser ids) who each commented within
    POD_WINDOW_MINUTES of the post on the same POD_MIN_POSTS posts or more: the
    pairs that met that often, joined into groups of at least 3."""
    with connection.cursor() as cursor:
        cursor.execute(_early_sql(), [target_id])
        early = cursor.fetchall()
    by_post: dict[int, list[int]] = defaultdict(list)
    for post_id, author_id in early:
        by_post[post_id].append(author_id)
    together: dict[tuple[int, int], int] = defaultdict(int)
    for authors in by_post.values():
        for pair in itertools.combinations(sorted(authors), 2):
            together[pair] += 1
    parent: dict[int, int] = {}

    def root(node: int) -> int:
        while parent.setdefault(node, node) != node:
            node = parent[node]
        return node

    for (a, b), posts in together.items():
        if posts >= POD_MIN_POSTS:
            parent[root(a)] = root(b)
    groups: dict[int, list[int]] = defaultdict(list)
    for node in list(parent):
        groups[root(node)].append(node)
    return sorted((sorted(g) for g in groups.values() if len(g) >= 3), key=len, reverse=True)


_WORDS = re.compile(r"\w+", re.UNICODE)


def emoji_only(text: str) -> bool:
    """No letter and no digit (emoji, symbols, punctuation), and not empty."""
    stripped = "".join(text.split())
    if not stripped:
        return False
    return not any(unicodedata.category(ch)[0] in "LN" for ch in stripped)


def normalised(text: str) -> str:
    return " ".join(_WORDS.findall(text.casefold()))


def _authors_writing(target_id: int, texts: list[str]) -> set[int]:
    """The commenters who wrote any of `texts` (exact texts, in chunks of 500)."""
    found: set[int] = set()
    live = Comment.objects.filter(target_id=target_id, removed_by__isnull=True)
    for start in range(0, len(texts), 500):
        chunk = texts[start : start + 500]
        found.update(live.filter(text__in=chunk).values_list("author_id", flat=True).distinct())
    return found


def flagged(target_id: int) -> dict[str, Any]:
    """Pods, and commenters with generic repeated texts or emoji-only comments.
    Generic: a short text (at most GENERIC_MAX_WORDS words, normalised) that at
    least GENERIC_MIN_AUTHORS different commenters of the account wrote.

    The texts are grouped in SQL (one row per distinct text, with its comments
    and authors), so Python looks at each distinct text once, not each comment."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT text, COUNT(*), COUNT(DISTINCT author_id) FROM audience_comment"
            " WHERE target_id = %s AND removed_by_id IS NULL GROUP BY text",
            [target_id],
        )
        texts = cursor.fetchall()
    authors_by_key: dict[str, int] = defaultdict(int)
    for text, _, authors in texts:
        key = normalised(text)
        if key and len(key.split()) <= GENERIC_MAX_WORDS:
            # An author who wrote two spellings of one key counts twice: a
            # generic text is then one used by at least that many comments.
            authors_by_key[key] += authors
    generic = {key for key, count in authors_by_key.items() if count >= GENERIC_MIN_AUTHORS}
    emoji_texts = [text for text, _, _ in texts if emoji_only(text)]
    generic_texts = [
        text for text, _, _ in texts if not emoji_only(text) and normalised(text) in generic
    ]
    counts = {text: count for text, count, _ in texts}
    groups = pods(target_id)
    return {
        "comments": sum(counts.values()),
        "generic_texts": sorted(generic),
        "generic_authors": _authors_writing(target_id, generic_texts),
        "emoji_authors": _authors_writing(target_id, emoji_texts),
        "generic_comments": sum(counts[text] for text in generic_texts),
        "emoji_comments": sum(counts[text] for text in emoji_texts),
        "pods": groups,
        "pod_members": {member for group in groups for member in group},
    }


OVERLAP_SQL = """
SELECT COUNT(*) FROM (
    SELECT DISTINCT a.author_id FROM audience_comment a
    WHERE a.target_id = %(a)s AND a.removed_by_id IS NULL
      AND EXISTS (SELECT 1 FROM audience_comment b
                  WHERE b.target_id = %(b)s AND b.author_id = a.author_id
                    AND b.removed_by_id IS NULL)
) shared
"""

FOLLOW_B_SQL = """
SELECT COUNT(*) FROM (
    SELECT DISTINCT a.author_id FROM audience_comment a
    WHERE a.target_id = %(a)s AND a.removed_by_id IS NULL
      AND EXISTS (SELECT 1 FROM scraping_relationship r
                  WHERE r.target_id = %(b)s AND r.user_id = a.author_id
                    AND r.direction = %(follower)s AND r.first_seen_id <= %(base)s
                    AND (r.ended_by_id IS NULL OR r.ended_by_id > %(base)s))
) following
"""


def overlap(a_id: int, b_id: int) -> dict[str, Any]:
    """Commenters shared by A and B, and commenters of A who follow B (at B's
    latest complete follower scrape; unknown without one)."""
    base = baseline(b_id)
    params = {"a": a_id, "b": b_id, "follower": int(Direction.FOLLOWER), "base": base.scrape_id}
    with connection.cursor() as cursor:
        cursor.execute(OVERLAP_SQL, params)
        shared = int(cursor.fetchone()[0])
        follow_b = None
        if base.scrape_id is not None:
            cursor.execute(FOLLOW_B_SQL, params)
            follow_b = int(cursor.fetchone()[0])
    return {"shared": shared, "a_commenters_following_b": follow_b}


def timeline(post_id: int, taken_at: dt.datetime) -> list[tuple[str, int]]:
    """Comments (replies included, removed ones left out) posted within each
    number of hours after the post, cumulative, plus the total: one aggregate
    over the (post, created_at) index."""
    limits = {
        f"h{hours}": Count("id", filter=Q(created_at__lte=taken_at + dt.timedelta(hours=hours)))
        for hours in TIMELINE_HOURS
    }
    counts = Comment.objects.filter(post_id=post_id, removed_by__isnull=True).aggregate(
        all=Count("id"), **limits
    )
    points = [(_hours(hours), int(counts[f"h{hours}"])) for hours in TIMELINE_HOURS]
    points.append(("all", int(counts["all"])))
    return points


def _hours(hours: int) -> str:
    return f"{hours // 24} d" if hours >= 24 and hours % 24 == 0 else f"{hours} h"
