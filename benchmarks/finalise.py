"""Finalise: the second daily scrape of N followers with 1% churn (1% left, as
many new), its pages already in the staging table, finalised by the engine's
`finalise` (judge, delta into the interval history, statistics, staging
emptied, one transaction), against a raw sqlite3 baseline on a copy of the same
database: read both id sets, diff them in Python, executemany the inserts and
the updates, delete the staging rows, one transaction.

The setup's page store (a re-scrape: 99% of the users already known, every
picture URL re-signed) is reported too, against the ingest baseline.

    python -m benchmarks --only finalise [--rows N]
"""

from __future__ import annotations

import sqlite3
import sys
import time
from typing import Any

from benchmarks import common
from benchmarks.common import Figure, Workspace

GOAL_RATIO = 3.0  # within 3x of raw


# --- Children ---------------------------------------------------------------------------


def child_setup(rows: int) -> dict[str, Any]:
    """Store day 1's pages (1% churn) and leave the scrape running."""
    common.django_setup()
    followers = common.Followers(rows)
    followers.advance()
    scrape, part = common.start_scrape(rows)
    seconds = common.store_pages(scrape, part, followers)
    return {
        "seconds": seconds,
        "rows": len(followers.members),
        "scrape_id": scrape.pk,
        "target_id": scrape.target_id,
    }


def child_project() -> dict[str, Any]:
    common.django_setup()
    from scraping.models import Scrape

    scrape = Scrape.objects.select_related("target__user").get(status=Scrape.Status.RUNNING)
    seconds, done = common.finalise(scrape)
    assert done.status == "succeeded", done.error_message
    return {
        "seconds": seconds,
        "new": done.stats.new_followers,
        "lost": done.stats.lost_followers,
    }


def child_raw_pg(database: str, scrape_id: int, target_id: int) -> dict[str, Any]:
    """PostgreSQL: the delta in plain SQL, one transaction: insert the seen users
    without an active edge, close the active edges not seen, empty the staging rows."""
    import psycopg

    with psycopg.connect(database) as db, db.cursor() as cursor:
        cursor.execute(
            "SELECT MAX(id) FROM scraping_scrape WHERE target_id = %s AND id < %s",
            (target_id, scrape_id),
        )
        (previous,) = cursor.fetchone() or (None,)
        db.commit()
        started = time.perf_counter()
        # Statistics of the fresh staging rows, as the engine takes them: without
        # them the planner guesses one row and loops over every active edge.
        cursor.execute("ANALYZE scraping_scrapeseen")
        cursor.execute(
            "INSERT INTO scraping_relationship (target_id, user_id, direction, first_seen_id) "
            "SELECT %s, s.user_id, 1, %s FROM scraping_scrapeseen s "
            "WHERE s.scrape_id = %s AND s.direction = 1 AND NOT EXISTS ("
            "SELECT 1 FROM scraping_relationship r WHERE r.target_id = %s "
            "AND r.user_id = s.user_id AND r.direction = 1 AND r.ended_by_id IS NULL)",
            (target_id, scrape_id, scrape_id, target_id),
        )
        new = cursor.rowcount
        cursor.execute(
            "UPDATE scraping_relationship r SET ended_by_id = %s, last_seen_id = %s "
            "WHERE r.target_id = %s AND r.direction = 1 AND r.ended_by_id IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM scraping_scrapeseen s "
            "WHERE s.scrape_id = %s AND s.direction = 1 AND s.user_id = r.user_id)",
            (scrape_id, previous, target_id, scrape_id),
        )
        lost = cursor.rowcount
        cursor.execute("DELETE FROM scraping_scrapeseen WHERE scrape_id = %s", (scrape_id,))
        db.commit()
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "new": new, "lost": lost}


def child_raw(database: common.Database, scrape_id: int, target_id: int) -> dict[str, Any]:
    if common.is_postgres(database):
        return child_raw_pg(str(database), scrape_id, target_id)
    db = sqlite3.connect(database, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    (previous,) = db.execute(
        "SELECT MAX(id) FROM scraping_scrape WHERE target_id = ? AND id < ?", (target_id, scrape_id)
    ).fetchone()
    started = time.perf_counter()
    db.execute("BEGIN IMMEDIATE")
    seen = {
        row[0]
        for row in db.execute(
            "SELECT user_id FROM scraping_scrapeseen WHERE scrape_id = ? AND direction = 1",
            (scrape_id,),
        )
    }
    active = {
        row[0]
        for row in db.execute(
            "SELECT user_id FROM scraping_relationship "
            "WHERE target_id = ? AND direction = 1 AND ended_by_id IS NULL",
            (target_id,),
        )
    }
    new, lost = seen - active, active - seen
    db.executemany(
        "INSERT INTO scraping_relationship (target_id, user_id, direction, first_seen_id) "
        "VALUES (?, ?, 1, ?)",
        [(target_id, user_id, scrape_id) for user_id in new],
    )
    db.executemany(
        "UPDATE scraping_relationship SET ended_by_id = ?, last_seen_id = ? "
        "WHERE target_id = ? AND user_id = ? AND direction = 1 AND ended_by_id IS NULL",
        [(scrape_id, previous, target_id, user_id) for user_id in lost],
    )
    db.execute("DELETE FROM scraping_scrapeseen WHERE scrape_id = ?", (scrape_id,))
    db.execute("COMMIT")
    seconds = time.perf_counter() - started
    db.close()
    return {"seconds": seconds, "new": len(new), "lost": len(lost)}


def child_main(argv: list[str]) -> None:
    role = argv[0]
    if role == "setup":
        result = child_setup(int(argv[1]))
    elif role == "project":
        result = child_project()
    else:
        result = child_raw(common.as_database(argv[1]), int(argv[2]), int(argv[3]))
    common.emit(result)


# --- Parent ------------------------------------------------------------------------------


def run(ws: Workspace, rows: int) -> list[Figure]:
    ws.base(rows)
    ws.copy("base", "finalise")
    print(f"Finalise: storing day 2 ({rows:,} followers, 1% churn) ...", flush=True)
    setup = ws.run("finalise", "finalise", "setup", rows)
    raw_db = ws.copy("finalise", "finalise-raw")
    project = ws.run("finalise", "finalise", "project")
    raw = ws.run("finalise", "finalise-raw", "raw", raw_db, setup["scrape_id"], setup["target_id"])
    assert (project["new"], project["lost"]) == (raw["new"], raw["lost"]), (project, raw)
    ratio = project["seconds"] / raw["seconds"]
    figures = [
        Figure(
            "finalise",
            "day 2, 1% churn",
            project["seconds"],
            raw["seconds"],
            "s",
            f"<= {GOAL_RATIO:.0f}x raw",
            ratio <= GOAL_RATIO,
            project["peak_rss_mb"],
            raw["peak_rss_mb"],
            note=f"{project['new']:,} new, {project['lost']:,} lost",
            extra={"project": project, "raw": raw},
        )
    ]
    ingest_raw = ws.built.get("ingest_raw_seconds")
    if ingest_raw is not None:
        share = ingest_raw / setup["seconds"]
        figures.insert(
            0,
            Figure(
                "ingest",
                "re-scrape (99% known)",
                setup["seconds"],
                ingest_raw,
                "s",
                ">= 50% of raw throughput",
                share >= 0.5,
                setup["peak_rss_mb"],
                None,
                note=f"{share:.0%} of raw; {setup['rows'] / setup['seconds']:,.0f} rows/s",
                extra={"setup": setup},
            ),
        )
    ws.built["finalise_db"] = ws.database("finalise")
    for fig in figures:
        common.print_figure(fig)
    return figures


if __name__ == "__main__":
    child_main(sys.argv[1:])
