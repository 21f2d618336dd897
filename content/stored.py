"""The stored figures of each post: its current counts, the follower count its
rate divides by (and whether that count is estimated), and the rate, kept on
the Post row so that the Content tab, its sorts and the exports read columns
instead of recomputing every rate from the metrics intervals and the follower
history on each request (docs/content-analytics.md "Stored figures").

`refresh(target_id)` recomputes them for every post of an account with the
definition itself (content.analytics.post_rates, at no scrape: the open
metrics rows and the follower history) and writes only the rows that differ.
It runs when a content scrape finalises (content.store.finalise) and when any
other scrape of the account finalises: a follower scrape or an import adds a
point to the follower history, which moves the denominator of the posts
published after it (scraping sends `scraping.signals.scrape_finalised`;
scraping may not import content).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import connection, transaction

from content import analytics, snapshot
from content.models import AnalyticsSnapshot, ContentPart, Post

log = logging.getLogger(__name__)

COLUMNS = ("likes", "comments", "plays", "views", "followers", "followers_estimated", "rate")
_TABLE = connection.ops.quote_name(Post._meta.db_table)
UPDATE = (
    f"UPDATE {_TABLE} SET "  # noqa: S608  (identifiers from model metadata)
    + ", ".join(f"{name} = %s" for name in COLUMNS)
    + " WHERE id = %s"
)
SELECT = f"SELECT id, {', '.join(COLUMNS)} FROM {_TABLE} WHERE target_id = %s"  # noqa: S608

Values = tuple[Any, ...]


def computed(target_id: int) -> dict[int, Values]:
    """Every post's figures by the definition (removed posts too: their page
    shows their last known counts). Two queries."""
    return {
        rate.post_id: (
            rate.likes,
            rate.comments,
            rate.plays,
            rate.views,
            rate.followers,
            rate.estimated,
            rate.rate,
        )
        for rate in analytics.post_rates(target_id, include_removed=True)
    }


def stored(target_id: int) -> dict[int, Values]:
    """What the rows hold now. One query."""
    with connection.cursor() as cursor:
        cursor.execute(SELECT, [target_id])
        return {
            row[0]: (*row[1:6], bool(row[6]), row[7])  # SQLite hands booleans back as 0/1
            for row in cursor.fetchall()
        }


def refresh(target_id: int) -> int:
    """Bring the stored figures of the account's posts up to date, and its
    analytics snapshot; returns how many rows changed. Three queries, one
    batched update of the changes, the snapshot's reads and its row."""
    fresh = computed(target_id)
    now = stored(target_id)
    changed = [
        (*values, post_id) for post_id, values in fresh.items() if now.get(post_id) != values
    ]
    with transaction.atomic():
        if changed:
            with connection.cursor() as cursor:
                cursor.executemany(UPDATE, changed)
        # The analytics blocks follow the figures (and the posts removed or
        # tagged since): computed here, read by the tab.
        snapshot.save(target_id)
    return len(changed)


def refresh_missing(plan: list[tuple[object, bool]] | None = None, **_: object) -> int:
    """Refresh every account that has posts but no analytics snapshot yet: the
    posts stored before the figures were (an igdash upgraded from before
    migration content 0005). Runs after `migrate` (post_migrate), with the code
    and the tables of this release, which a data migration calling this module
    would not have had once the module changes. Not after a migration back (the
    tables may predate the figures). Returns the accounts refreshed."""
    if plan and any(backwards for _, backwards in plan):
        return 0
    missing = (
        Post.objects.exclude(target_id__in=AnalyticsSnapshot.objects.values("target_id"))
        .values_list("target_id", flat=True)
        .distinct()
    )
    done = 0
    for target_id in list(missing):
        refresh(target_id)
        done += 1
    return done


def on_scrape_finalised(sender: object, *, scrape_id: int, target_id: int, **_: object) -> None:
    """scraping's signal, inside the transaction that finalises the scrape. A
    content scrape refreshed its posts in its own finalise (its follower count
    is dated at the end of the run, after every post it listed, so it moves no
    denominator); any other scrape (followers, an import) may have added the
    count a post divides by. A failure here is logged and leaves the stored
    figures as they were: it must not lose the scrape (a savepoint keeps the
    outer transaction usable)."""
    if ContentPart.objects.filter(scrape_id=scrape_id).exists():
        return
    if not Post.objects.filter(target_id=target_id).exists():
        return
    try:
        with transaction.atomic():
            refresh(target_id)
    except Exception:
        log.exception("could not refresh the stored post figures of account %s", target_id)
