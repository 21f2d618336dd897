"""Browse: the account page of a target with N followers, through the whole
stack (middleware, login, view, template) with Django's test client, logged in;
server time only (no network, no browser). Against the raw SQL that fetches
the same page of rows on the same database with sqlite3.

Cases: followers tab page 1 (the full page: history, charts, first rows), a
deep infinite-scroll page (the rows partial at 95% of the list), and the
search box with a common substring (~13% of users), a medium one (~0.16%; also
its infinite scroll at 95% of the list), a rare one (one user), an absent one,
and a 2-character one (too short for trigrams: LIKE through the join). Then the
dashboard's global search over every user ever seen (`/search/?q=`): terms of 1
and 2 characters (usernames starting with them, a range of the (username, id)
index) and a 2-character one that no username starts with.

Each case runs in a fresh process: two warm-up requests, then the median of
REPEATS. One more request is recorded with its SQL (count and slowest).

    python -m benchmarks --only browse [--rows N]
"""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

from benchmarks import common
from benchmarks.common import Figure, Workspace

REPEATS = 9
PAGE_GOAL_MS = 50.0
SEARCH_GOAL_MS = 150.0
FTS = "accounts_app_iguser_fts"
RAW_PAGE = """
SELECT r.id, u.id, u.username, u.full_name, u.profile_pic_url, u.is_verified, u.is_private,
       s.finished_at
FROM scraping_relationship r
JOIN accounts_app_iguser u ON u.id = r.user_id
JOIN scraping_scrape s ON s.id = r.first_seen_id
WHERE r.target_id = ? AND r.direction = 1 AND r.ended_by_id IS NULL {extra}
ORDER BY r.id DESC LIMIT 51
"""
# The dashboard's page of a short term (25 shown + 1), hand-written; the
# project adds each hit's connections and which hits are tracked (two more
# queries, igdash/dashboard.py `search`) and the template.
RAW_GLOBAL = """
SELECT id, username, full_name, profile_pic_url, is_verified, is_private
FROM accounts_app_iguser WHERE username >= ? AND username < ?
ORDER BY username, id LIMIT 26
"""


def cases(rows: int) -> list[tuple[str, str, str]]:
    """(name, kind, argument): kind page|deep|search|search-deep|global (argument:
    the term; the deep kinds get the cursor of the row at 95% of the list; global
    is the dashboard's search of every user)."""
    rare = common.rare_term(rows)
    return [
        ("page 1", "page", ""),
        ("deep page (95%)", "deep", ""),
        ("search common 'ana'", "search", "ana"),
        ("search medium 'zoe.l'", "search", "zoe.l"),
        ("search medium, deep page", "search-deep", "zoe.l"),
        (f"search rare '{rare}'", "search", rare),
        ("search absent 'qxzvj'", "search", "qxzvj"),
        ("search 2 chars 'zo'", "search", "zo"),
        ("dashboard search 1 char 'z'", "global", "z"),
        ("dashboard search 2 chars 'zo'", "global", "zo"),
        ("dashboard search 2 chars absent 'qx'", "global", "qx"),
    ]


def _deep_cursor(database: common.Database, target_id: int, depth: float) -> int:
    """The relationship id at `depth` of the list, newest first (a keyset cursor)."""
    (count,) = common.query_one(
        database,
        "SELECT COUNT(*) FROM scraping_relationship "
        "WHERE target_id = ? AND direction = 1 AND ended_by_id IS NULL",
        (target_id,),
    )
    (cursor,) = common.query_one(
        database,
        "SELECT id FROM scraping_relationship "
        "WHERE target_id = ? AND direction = 1 AND ended_by_id IS NULL "
        "ORDER BY id DESC LIMIT 1 OFFSET ?",
        (target_id, int(count * depth)),
    )
    return int(cursor)


# --- Children ---------------------------------------------------------------------------


def child_project(kind: str, argument: str, cursor: str) -> dict[str, Any]:
    common.django_setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    owner, _ = get_user_model().objects.get_or_create(
        username="bench-owner", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(owner)
    base = f"/accounts/{common.TARGET}/"
    if kind == "page":
        url = base
    elif kind == "deep":
        url = f"{base}rows/?cursor={cursor}"
    elif kind == "global":
        url = f"/search/?q={argument}"
    elif kind == "search-deep":
        url = f"{base}rows/?q={argument}&cursor={cursor}"
    else:
        url = f"{base}?q={argument}"

    def get() -> tuple[float, bytes]:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code)
        return elapsed, response.content

    first_ms, body = get()
    get()
    times = [get()[0] for _ in range(REPEATS)]
    with CaptureQueriesContext(connection) as queries:
        get()
    slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:3]
    return {
        "ms": common.median(times),
        "min_ms": min(times),
        "max_ms": max(times),
        "first_ms": first_ms,
        "rows": body.count(b'data-user="') or body.count(b'data-hit="'),
        "bytes": len(body),
        "queries": len(queries.captured_queries),
        "slowest": [{"ms": float(q["time"]) * 1000, "sql": q["sql"][:600]} for q in slowest],
    }


def child_raw(
    database: common.Database, target_id: int, kind: str, argument: str, cursor: str
) -> dict[str, Any]:
    """The same page of rows in plain SQL, the way a hand-written query asks for it
    (SQLite plans it; no ANALYZE, as in igdash's own database). PostgreSQL
    (psycopg 3): a substring search is UPPER(column) LIKE, which its pg_trgm GIN
    indexes serve, for any length of term."""
    pg = common.is_postgres(database)
    db = common.connect(database)
    if kind == "global":
        sql, params = RAW_GLOBAL, [argument, argument[:-1] + chr(ord(argument[-1]) + 1)]
        return _time_raw(db, common.sql(database, sql), params)
    extra, params = "", [target_id]
    if kind in ("deep", "search-deep"):
        extra, params = "AND r.id < ? ", [target_id, int(cursor)]
    if kind.startswith("search") and pg:
        extra += "AND (UPPER(u.username) LIKE UPPER(?) OR UPPER(u.full_name) LIKE UPPER(?))"
        params.extend([f"%{argument}%"] * 2)
    elif kind.startswith("search") and len(argument) >= 3:
        extra += f"AND r.user_id IN (SELECT rowid FROM {FTS} WHERE {FTS} MATCH ?)"  # noqa: S608
        params.append(f'"{argument}"')
    elif kind.startswith("search"):
        extra += "AND (u.username LIKE ? OR u.full_name LIKE ?)"
        params.extend([f"%{argument}%"] * 2)
    return _time_raw(db, common.sql(database, RAW_PAGE.format(extra=extra)), params)


def _time_raw(db: Any, sql: str, params: list[Any]) -> dict[str, Any]:
    def fetch() -> tuple[float, int]:
        started = time.perf_counter()
        found = len(db.execute(sql, params).fetchall())
        return (time.perf_counter() - started) * 1000, found

    first_ms, found = fetch()
    fetch()
    times = [fetch()[0] for _ in range(REPEATS)]
    db.close()
    return {"ms": common.median(times), "first_ms": first_ms, "rows": found}


def child_main(argv: list[str]) -> None:
    role = argv[0]
    if role == "project":
        result = child_project(argv[1], argv[2], argv[3])
    else:
        result = child_raw(common.as_database(argv[1]), int(argv[2]), argv[3], argv[4], argv[5])
    common.emit(result)


# --- Parent ------------------------------------------------------------------------------


def target_id(database: common.Database) -> int:
    (found,) = common.query_one(
        database,
        "SELECT t.id FROM accounts_app_trackedaccount t "
        "JOIN accounts_app_iguser u ON u.id = t.user_id WHERE u.username = ?",
        (common.TARGET,),
    )
    return int(found)


def run(ws: Workspace, rows: int) -> list[Figure]:
    ws.base(rows)
    database = ws.copy("base", "browse")
    # As `igdash serve` does: the manifest storage needs its collected files.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=common.ROOT,
        env=ws.env("browse"),
        check=True,
    )
    target = target_id(database)
    print(f"Browse: account page of {rows:,} followers ...", flush=True)
    figures = []
    cursor = str(_deep_cursor(database, target, 0.95))
    for name, kind, argument in cases(rows):
        term = argument or "-"
        project = ws.run("browse", "browse", "project", kind, term, cursor)
        raw = ws.run("browse", "browse", "raw", database, target, kind, term, cursor)
        searches = kind.startswith("search") or kind == "global"
        goal_ms = SEARCH_GOAL_MS if searches else PAGE_GOAL_MS
        fig = Figure(
            "browse",
            name,
            project["ms"],
            raw["ms"],
            "ms",
            f"< {goal_ms:.0f} ms",
            project["ms"] < goal_ms,
            project["peak_rss_mb"],
            raw["peak_rss_mb"],
            note=f"{project['queries']} queries, {raw['rows']} rows",
            extra={"project": project, "raw": raw},
        )
        common.print_figure(fig)
        figures.append(fig)
    return figures


if __name__ == "__main__":
    child_main(sys.argv[1:])
