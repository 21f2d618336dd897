"""Storage: the database after DAYS daily scrapes of N followers with 1% churn
a day (1% leave, as many new), every one through the engine's page store and
finalise, against one snapshot: the same database after the first of those
scrapes (the "base": N users, N intervals, the same indexes and search index).
The goal (<= 1.5x) is on that ratio: what keeping 30 days of history costs over
keeping the current list alone. For scale, an info row also compares it with a
bare table of the N users' data (pk, username, full name, picture URL, flags)
without any index: what no searchable, browsable store of the list can reach
(see docs/performance.md, "Storage").

The size is the database file after a WAL checkpoint (what the owner's disk
holds), with the space SQLite keeps free for reuse (the emptied staging table)
and the share of each table and index (dbstat) reported apart.

    python -m benchmarks --only storage [--rows N] [--days 30]
"""

from __future__ import annotations

import sqlite3
import sys
import time
from typing import Any

from benchmarks import common
from benchmarks.common import Figure, Workspace

GOAL_RATIO = 1.5
DAYS = 30


def pg_sizes(database: str) -> dict[str, Any]:
    """PostgreSQL: the database's size on disk (pg_database_size) after a plain
    VACUUM (what autovacuum does sooner or later: dead rows become free space
    in the files, which do not shrink), and the largest tables with their
    indexes and TOAST."""
    db = common.connect(database)
    try:
        db.execute("VACUUM")
        (total,) = db.execute("SELECT pg_database_size(current_database())").fetchone()
        objects = dict(
            db.execute(
                "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind = 'r' AND n.nspname = 'public' ORDER BY 2 DESC"
            ).fetchall()
        )
    finally:
        db.close()
    # Free space inside the files is not counted apart (pg_freespacemap is an extension).
    return {"file_bytes": total, "used_bytes": total, "free_bytes": 0, "objects": objects}


def sizes(database: common.Database) -> dict[str, Any]:
    if common.is_postgres(database):
        return pg_sizes(str(database))
    common.checkpoint(database)
    db = sqlite3.connect(database)
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    free = db.execute("PRAGMA freelist_count").fetchone()[0]
    try:
        objects = {
            name: size
            for name, size in db.execute(
                "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"
            )
        }
    except sqlite3.OperationalError:  # SQLite built without dbstat
        objects = {}
    db.close()
    return {
        "file_bytes": common.file_size(database),
        "used_bytes": (pages - free) * page_size,
        "free_bytes": free * page_size,
        "objects": objects,
    }


# --- Children ---------------------------------------------------------------------------


def child_project(rows: int, days: int) -> dict[str, Any]:
    """Days 1..days-1 on top of the base database (day 0)."""
    common.django_setup()
    from accounts_app.models import IgUser
    from scraping.models import Relationship

    followers = common.Followers(rows)
    store_seconds = finalise_seconds = 0.0
    started = time.perf_counter()
    for day in range(1, days):
        followers.advance()
        scrape, part = common.start_scrape(len(followers.members))
        store_seconds += common.store_pages(scrape, part, followers)
        seconds, done = common.finalise(scrape)
        finalise_seconds += seconds
        assert done.status == "succeeded", done.error_message
        print(f"    day {day + 1}/{days} done", file=sys.stderr, flush=True)
    return {
        "seconds": time.perf_counter() - started,
        "store_seconds": store_seconds,
        "finalise_seconds": finalise_seconds,
        "scrapes": days,
        "users": IgUser.objects.count(),
        "relationships": Relationship.objects.count(),
        "active": len(followers.members),
    }


def child_raw_pg(database: str, rows: int) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(database) as db, db.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE snapshot (ig_pk bigint, username text, full_name text, "
            "profile_pic_url text, is_verified boolean, is_private boolean)"
        )
        chunk = 10_000
        with cursor.copy("COPY snapshot FROM STDIN") as copy:
            for start in range(0, rows, chunk):
                for i in range(start, min(start + chunk, rows)):
                    copy.write_row(common.user_fields(i, 0))
    return {"rows": rows}


def child_raw(database: common.Database, rows: int) -> dict[str, Any]:
    if common.is_postgres(database):
        return child_raw_pg(str(database), rows)
    db = sqlite3.connect(database, isolation_level=None)
    db.execute(
        "CREATE TABLE snapshot (ig_pk INTEGER, username TEXT, full_name TEXT, "
        "profile_pic_url TEXT, is_verified INTEGER, is_private INTEGER)"
    )
    db.execute("BEGIN")
    chunk = 10_000
    for start in range(0, rows, chunk):
        db.executemany(
            "INSERT INTO snapshot VALUES (?, ?, ?, ?, ?, ?)",
            [common.user_fields(i, 0) for i in range(start, min(start + chunk, rows))],
        )
    db.execute("COMMIT")
    db.close()
    return {"rows": rows}


def child_main(argv: list[str]) -> None:
    if argv[0] == "project":
        result = child_project(int(argv[1]), int(argv[2]))
    else:
        result = child_raw(common.as_database(argv[1]), int(argv[2]))
    common.emit(result)


# --- Parent ------------------------------------------------------------------------------


def run(ws: Workspace, rows: int, days: int = DAYS) -> list[Figure]:
    snapshot = sizes(ws.base(rows))
    database = ws.copy("base", "storage")
    print(f"Storage: {days} daily scrapes of {rows:,} followers, 1% churn ...", flush=True)
    project = ws.run("storage", "storage", "project", rows, days)
    project.update(sizes(database))
    raw_db = ws.empty("storage-raw")
    raw = ws.run("storage", "storage-raw", "raw", raw_db, rows)
    raw.update(sizes(raw_db))
    mb = 1024 * 1024
    ratio = project["file_bytes"] / snapshot["file_bytes"]
    top = ", ".join(
        f"{name} {size / mb:.0f}" for name, size in list(project["objects"].items())[:4]
    )
    figures = [
        Figure(
            "storage",
            f"{days} scrapes vs one",
            project["file_bytes"] / mb,
            snapshot["file_bytes"] / mb,
            "MB",
            f"<= {GOAL_RATIO}x one snapshot",
            ratio <= GOAL_RATIO,
            project["peak_rss_mb"],
            None,
            note=(
                f"{project['users']:,} users, {project['relationships']:,} intervals; "
                f"{project['free_bytes'] / mb:.0f} MB free pages; largest MB: {top}"
            ),
            extra={"project": project, "snapshot": snapshot},
        ),
        Figure(
            "storage",
            f"{days} scrapes vs bare table (info)",
            project["file_bytes"] / mb,
            raw["file_bytes"] / mb,
            "MB",
            "",
            None,
            project["peak_rss_mb"],
            raw["peak_rss_mb"],
            note="one index-free table of the N users' fields",
            extra={"raw": raw},
        ),
    ]
    for fig in figures:
        common.print_figure(fig)
    return figures


if __name__ == "__main__":
    child_main(sys.argv[1:])
