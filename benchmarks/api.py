"""API: the JSON API on a target with N followers, through the whole stack
(middleware, token check, throttle check, view, JSON) with Django's test client
and a read token; server time only (no network).

- followers pages (`GET /api/v1/accounts/{u}/lists/followers`, 100 rows) at
  the top, at 50% and at 95% of the list (keyset cursors: every depth costs the
  same), and searched for a rare name; against the raw SQL of the same page;
- the followers streamed as JSON (`GET .../exports/followers?format=json`),
  read to a file, against export's raw baseline (sqlite3 + json, no conversion).

    python -m benchmarks --only api [--rows N]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import browse, common, export
from benchmarks.common import TARGET, Figure, Workspace

REPEATS = 9
PAGE_ROWS = 100
PAGE_GOAL_MS = 50.0
EXPORT_GOAL_SHARE = 0.5
RAW_PAGE = browse.RAW_PAGE.replace("LIMIT 51", f"LIMIT {PAGE_ROWS + 1}")


def _client() -> tuple[Any, dict[str, str]]:
    common.django_setup()
    from django.test import Client

    from api import tokens
    from api.models import ApiToken

    ApiToken.objects.filter(name="bench").delete()
    _, token = tokens.create("bench", "read")
    return Client(HTTP_HOST="localhost"), {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def child_page(cursor: str, term: str) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client, auth = _client()
    url = f"/api/v1/accounts/{TARGET}/lists/followers?limit={PAGE_ROWS}"
    if cursor != "-":
        url += f"&cursor={cursor}"
    if term != "-":
        url += f"&q={term}"

    def get() -> tuple[float, Any]:
        started = time.perf_counter()
        response = client.get(url, **auth)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        return elapsed, response.json()

    first_ms, body = get()
    get()
    times = [get()[0] for _ in range(REPEATS)]
    with CaptureQueriesContext(connection) as queries:
        get()
    return {
        "ms": common.median(times),
        "min_ms": min(times),
        "max_ms": max(times),
        "first_ms": first_ms,
        "rows": len(body["items"]),
        "queries": len(queries.captured_queries),
    }


def child_export(out: Path) -> dict[str, Any]:
    client, auth = _client()
    # A served igdash is warm: its URLconf and the API are built before this request.
    assert client.get(f"/api/v1/accounts/{TARGET}", **auth).status_code == 200
    ready_mb = common.peak_rss_mb()
    started = time.perf_counter()
    response = client.get(f"/api/v1/accounts/{TARGET}/exports/followers?format=json", **auth)
    assert response.status_code == 200, response.status_code
    newlines = 0
    with out.open("wb") as handle:
        for chunk in response.streaming_content:
            handle.write(chunk)
            newlines += chunk.count(b"\n")
    response.close()
    seconds = time.perf_counter() - started
    # "[\n" row ",\n" row ... "\n]\n": JSON escapes newlines inside values.
    rows = max(0, newlines - 2)
    return {"seconds": seconds, "rows": rows, "ready_mb": ready_mb}


def child_main(argv: list[str]) -> None:
    if argv[0] == "page":
        result = child_page(argv[1], argv[2])
    elif argv[0] == "export":
        result = child_export(Path(argv[1]))
    else:
        browse.RAW_PAGE = RAW_PAGE  # the API's page is 100 rows, the account page's 50
        result = browse.child_raw(Path(argv[1]), int(argv[2]), argv[3], argv[4], argv[5])
    common.emit(result)


def _page_figure(ws: Workspace, name: str, database: Path, target: int, case: tuple) -> Figure:
    kind, cursor, term = case
    project = ws.run("api", "api", "page", cursor if kind != "page" else "-", term)
    raw_kind = {"page": "deep" if cursor != "-" else "page", "search": "search"}[kind]
    raw = ws.run("api", "api", "raw", database, target, raw_kind, term, cursor)
    return Figure(
        "api",
        name,
        project["ms"],
        raw["ms"],
        "ms",
        f"< {PAGE_GOAL_MS:.0f} ms",
        project["ms"] < PAGE_GOAL_MS and project["rows"] > 0,
        project["peak_rss_mb"],
        raw["peak_rss_mb"],
        note=f"{project['queries']} queries, {project['rows']} rows",
        extra={"project": project, "raw": raw},
    )


def run(ws: Workspace, rows: int) -> list[Figure]:
    ws.base(rows)
    database = ws.copy("base", "api")
    target = browse.target_id(database)
    print(f"API: followers of @{TARGET} ({rows:,}) ...", flush=True)
    cases = {
        "followers page 1": ("page", "-", "-"),
        "followers page at 50%": ("page", str(browse._deep_cursor(database, target, 0.5)), "-"),
        "followers page at 95%": ("page", str(browse._deep_cursor(database, target, 0.95)), "-"),
        f"search rare '{common.rare_term(rows)}'": ("search", "-", common.rare_term(rows)),
    }
    figures = []
    for name, case in cases.items():
        fig = _page_figure(ws, name, database, target, case)
        common.print_figure(fig)
        figures.append(fig)
    out, raw_out = ws.root / "api.json", ws.root / "api-baseline.json"
    project = ws.run("api", "api", "export", out)
    baseline = ws.run("export", "export", "baseline", "json", raw_out, database, target)
    out.unlink()
    raw_out.unlink()
    share = baseline["seconds"] / project["seconds"]
    fig = Figure(
        "api",
        "JSON export, streamed",
        project["seconds"],
        baseline["seconds"],
        "s",
        f">= {EXPORT_GOAL_SHARE:.0%} of raw, RSS < {export.RSS_GOAL_MB} MB",
        share >= EXPORT_GOAL_SHARE
        and project["rows"] == rows
        and project["peak_rss_mb"] < export.RSS_GOAL_MB,
        project["peak_rss_mb"],
        baseline["peak_rss_mb"],
        note=f"{share:.0%} of raw; {project['rows']:,} rows",
        extra={"project": project, "baseline": baseline, "share_of_raw": share},
    )
    common.print_figure(fig)
    figures.append(fig)
    return figures


if __name__ == "__main__":
    child_main(sys.argv[1:])
