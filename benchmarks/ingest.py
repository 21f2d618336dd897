"""Ingest: a scrape's pages (200 users each) through the engine's page store
(`store_pages` with a real Scrape and ScrapeList: a transaction upserts the users,
adds them to the staging table and stores the cursor), against raw sqlite3
`executemany` of the same rows into the same users table in one transaction.
The pages arrive back to back, so they are written as the engine writes such
pages: GROUP_USERS (2,000) users a transaction. An info row writes one page a
transaction, as a paced scrape (pages seconds apart) does.

The project child also finalises that first scrape: its database is the "base"
(N active followers) that the other benchmarks copy. Finalise ends by adding the
new users to the search index in one bulk statement (`search.index_pending`),
timed apart: the info row "ingest + search indexing" adds it to the page store's
time, against the same raw baseline.

    python -m benchmarks --only ingest [--rows N]
"""

from __future__ import annotations

import sqlite3
import sys
import time
from typing import Any

from benchmarks import common
from benchmarks.common import Figure, Workspace

GOAL_SHARE = 0.5  # >= 50% of raw throughput
RAW_INSERT = (
    "INSERT INTO accounts_app_iguser (ig_pk, username, full_name, profile_pic_url, "
    "is_verified, is_private, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
RAW_CHUNK = 10_000
# PostgreSQL's raw baseline: COPY into a temporary table, then one merge.
PG_STAGE = (
    "CREATE TEMP TABLE raw_users (ig_pk bigint, username text, full_name text, "
    "profile_pic_url text, is_verified boolean, is_private boolean) ON COMMIT DROP"
)
PG_MERGE = """
INSERT INTO accounts_app_iguser (ig_pk, username, full_name, profile_pic_url,
    is_verified, is_private, created_at, updated_at)
SELECT ig_pk, username, full_name, profile_pic_url, is_verified, is_private, %s, %s
FROM raw_users
ON CONFLICT (ig_pk) DO UPDATE SET username = excluded.username,
    full_name = excluded.full_name, profile_pic_url = excluded.profile_pic_url,
    is_verified = excluded.is_verified, is_private = excluded.is_private,
    updated_at = excluded.updated_at
"""


# --- Children ---------------------------------------------------------------------------


def child_paged(rows: int) -> dict[str, Any]:
    """Day 0, one transaction a page; no finalise."""
    common.django_setup()
    followers = common.Followers(rows)
    scrape, part = common.start_scrape(rows)
    seconds = common.store_pages(scrape, part, followers, grouped=False)
    return {"seconds": seconds, "rows": rows, "pages": part.pages}


def child_project(rows: int) -> dict[str, Any]:
    """Day 0: every follower is new. Then finalise (timed apart, and within it
    the bulk search indexing)."""
    common.django_setup()
    from accounts_app import search

    indexing: list[float] = []
    index_pending = search.index_pending

    def timed_index_pending() -> int:
        started = time.perf_counter()
        try:
            return index_pending()
        finally:
            indexing.append(time.perf_counter() - started)

    search.index_pending = timed_index_pending
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
        "search_index_seconds": sum(indexing),
    }


def child_raw_pg(rows: int, database: str) -> dict[str, Any]:
    """PostgreSQL: the same rows COPYed into a temporary table in chunks (built
    outside the clock), then merged into the users table with one INSERT ...
    ON CONFLICT; one transaction."""
    import datetime as dt

    import psycopg

    now = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    spent = 0.0
    with psycopg.connect(database) as db, db.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(PG_STAGE)
        spent += time.perf_counter() - started
        for start in range(0, rows, RAW_CHUNK):
            chunk = [common.user_fields(i, 0) for i in range(start, min(start + RAW_CHUNK, rows))]
            started = time.perf_counter()
            with cursor.copy(
                "COPY raw_users (ig_pk, username, full_name, profile_pic_url, is_verified, "
                "is_private) FROM STDIN"
            ) as copy:
                for row in chunk:
                    copy.write_row(row)
            spent += time.perf_counter() - started
        started = time.perf_counter()
        cursor.execute(PG_MERGE, (now, now))
        db.commit()
        spent += time.perf_counter() - started
    return {"seconds": spent, "rows": rows}


def child_raw(rows: int, database: common.Database) -> dict[str, Any]:
    """The same rows, one transaction, executemany in chunks (the chunks' rows
    are built outside the clock, as the project's page records are). The
    migrated users table has its indexes and no insert trigger."""
    if common.is_postgres(database):
        return child_raw_pg(rows, str(database))
    db = sqlite3.connect(database, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
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
    elif role == "paged":
        result = child_paged(int(argv[1]))
    else:
        result = child_raw(int(argv[1]), common.as_database(argv[2]))
    common.emit(result)


# --- Parent ------------------------------------------------------------------------------


def build_base(ws: Workspace, rows: int) -> dict[str, Any]:
    """Run the project child into data folder "base" (once per workspace)."""
    ws.migrated("base")
    print(f"Ingest: {rows:,} followers through store_pages, then finalise ...", flush=True)
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
    raw = ws.run("ingest", "ingest-raw", "raw", rows, raw_db)
    ws.migrated("ingest-paged")
    paged = ws.run("ingest", "ingest-paged", "paged", rows)
    ws.built["ingest_raw_seconds"] = raw["seconds"]
    share = raw["seconds"] / project["seconds"]
    with_index = project["seconds"] + project["search_index_seconds"]
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
                "share_of_raw": share,
            },
        ),
        Figure(
            "ingest",
            "one transaction a page (info)",
            paged["seconds"],
            raw["seconds"],
            "s",
            "",
            None,
            paged["peak_rss_mb"],
            raw["peak_rss_mb"],
            note=(
                f"{raw['seconds'] / paged['seconds']:.0%} of raw; as a paced scrape writes, "
                "pages seconds apart"
            ),
        ),
        Figure(
            "ingest",
            "+ search indexing (info)",
            with_index,
            raw["seconds"],
            "s",
            "",
            None,
            note=(
                f"{raw['seconds'] / with_index:.0%} of raw; the bulk FTS5 fill at finalise "
                f"took {project['search_index_seconds']:.2f} s"
            ),
        ),
        Figure(
            "finalise",
            "first scrape (all new, info)",
            project["finalise_seconds"],
            None,
            "s",
            "",
            None,
            note=(
                f"{rows:,} new edges, search indexing included; builds the base the other "
                "benchmarks copy"
            ),
        ),
    ]
    for fig in figures:
        common.print_figure(fig)
    return figures


if __name__ == "__main__":
    child_main(sys.argv[1:])
