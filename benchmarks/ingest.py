"""Ingest: a scrape's pages (200 users each) through the engine's page store
(`store_page` with a real Scrape and ScrapeList: one transaction per page that
upserts the users, adds them to the staging table and stores the cursor),
against raw sqlite3 `executemany` of the same rows into the same users table in
one transaction.

The project child also finalises that first scrape: its database is the "base"
(N active followers) that the other benchmarks copy.

    python -m benchmarks --only ingest [--rows N]
"""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import common
from benchmarks.common import Figure, Workspace

GOAL_SHARE = 0.5  # >= 50% of raw throughput
FTS_TRIGGERS = tuple(f"accounts_app_iguser_fts_{kind}" for kind in ("ai", "ad", "au"))
RAW_INSERT = (
    "INSERT INTO accounts_app_iguser (ig_pk, username, full_name, profile_pic_url, "
    "is_verified, is_private, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
RAW_CHUNK = 10_000


# --- Children ---------------------------------------------------------------------------


def child_project(rows: int) -> dict[str, Any]:
    """Day 0: every follower is new. Then finalise (timed apart)."""
    common.django_setup()
    followers = common.Followers(rows)
    scrape, part = common.start_scrape(rows)
    seconds = common.store_pages(scrape, part, followers)
    ingest_rss = common.peak_rss_mb()
    finalise_seconds, done = common.finalise(scrape)
    assert done.status == "succeeded", done.error_message
    assert done.stats.followers == rows, (done.stats.followers, rows)
    return {
        "seconds": seconds,
        "rows": rows,
        "pages": part.pages,
        "ingest_rss_mb": ingest_rss,
        "finalise_seconds": finalise_seconds,
    }


def child_raw(rows: int, database: Path, with_fts: bool) -> dict[str, Any]:
    """The same rows, one transaction, executemany in chunks (the chunks' rows
    are built outside the clock, as the project's page records are)."""
    db = sqlite3.connect(database, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    if not with_fts:
        for trigger in FTS_TRIGGERS:
            db.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    now = "2025-01-01 00:00:00.000000"
    spent = 0.0
    started = time.perf_counter()
    db.execute("BEGIN")
    spent += time.perf_counter() - started
    for start in range(0, rows, RAW_CHUNK):
        stop = min(start + RAW_CHUNK, rows)
        chunk = [(*common.user_fields(i, 0), now, now) for i in range(start, stop)]
        started = time.perf_counter()
        db.executemany(RAW_INSERT, chunk)
        spent += time.perf_counter() - started
    started = time.perf_counter()
    db.execute("COMMIT")
    spent += time.perf_counter() - started
    db.close()
    return {"seconds": spent, "rows": rows}


def child_main(argv: list[str]) -> None:
    role = argv[0]
    if role == "project":
        result = child_project(int(argv[1]))
    else:
        result = child_raw(int(argv[1]), Path(argv[2]), argv[3] == "fts")
    common.emit(result)


# --- Parent ------------------------------------------------------------------------------


def build_base(ws: Workspace, rows: int) -> dict[str, Any]:
    """Run the project child into data folder "base" (once per workspace)."""
    ws.migrated("base")
    print(f"Ingest: {rows:,} followers through store_page, then finalise ...", flush=True)
    result = ws.run("ingest", "base", "project", rows)
    common.checkpoint(ws.database("base"))
    ws.built["base"] = ws.database("base")
    ws.built["base_result"] = result
    return result


def run(ws: Workspace, rows: int) -> list[Figure]:
    if "base" in ws.built:
        project: dict[str, Any] = ws.built["base_result"]
    else:
        project = build_base(ws, rows)
    raw_db = ws.migrated("ingest-raw")
    raw = ws.run("ingest", "ingest-raw", "raw", rows, raw_db, "plain")
    raw_fts_db = ws.migrated("ingest-raw-fts")
    raw_fts = ws.run("ingest", "ingest-raw-fts", "raw", rows, raw_fts_db, "fts")
    ws.built["ingest_raw_seconds"] = raw["seconds"]
    share = raw["seconds"] / project["seconds"]
    figures = [
        Figure(
            "ingest",
            "first scrape (all new)",
            project["seconds"],
            raw["seconds"],
            "s",
            f">= {GOAL_SHARE:.0%} of raw throughput",
            share >= GOAL_SHARE,
            project["ingest_rss_mb"],
            raw["peak_rss_mb"],
            note=f"{share:.0%} of raw; {rows / project['seconds']:,.0f} rows/s",
            extra={
                "project": project,
                "raw": raw,
                "raw_with_fts_triggers": raw_fts,
                "share_of_raw": share,
            },
        ),
        Figure(
            "ingest",
            "raw + FTS triggers (info)",
            raw_fts["seconds"],
            raw["seconds"],
            "s",
            "",
            None,
            raw_fts["peak_rss_mb"],
            raw["peak_rss_mb"],
            note="what the search index alone costs a raw insert",
        ),
        Figure(
            "finalise",
            "first scrape (all new, info)",
            project["finalise_seconds"],
            None,
            "s",
            "",
            None,
            note=f"{rows:,} new edges; builds the base the other benchmarks copy",
        ),
    ]
    for fig in figures:
        common.print_figure(fig)
    return figures


if __name__ == "__main__":
    child_main(sys.argv[1:])
