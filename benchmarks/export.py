"""Export: CSV, JSON and XLSX of N followers through the real export path
(`exports.files.write` of `exports.lists.get_list(target, "followers")`), against
a raw baseline that reads the same rows with the same SQL straight from sqlite3
into csv / json / openpyxl write-only, with no conversion or formula
neutralising. Every export runs in a fresh process that reports its own peak RSS.

    python -m benchmarks --only export [--rows N] [--repeat 3] [--json FILE]

With --repeat, project and baseline alternate that many times; the medians count.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import browse, common
from benchmarks.common import TARGET, Figure, Workspace

FORMATS = ("csv", "json", "xlsx")
RSS_GOAL_MB = 150
GOAL_SHARE = {"csv": 0.5, "json": 0.5, "xlsx": 0.7}  # of raw throughput
BASELINE_SQL = """
SELECT u.username, u.full_name, u.ig_pk, u.is_verified, u.is_private,
       'https://www.instagram.com/' || u.username || '/',
       COALESCE(s.finished_at, s.created_at)
FROM scraping_relationship r
JOIN accounts_app_iguser u ON u.id = r.user_id
JOIN scraping_scrape s ON s.id = r.first_seen_id
WHERE r.target_id = ? AND r.direction = 1 AND r.ended_by_id IS NULL
ORDER BY u.username, u.id
"""


# --- Children -------------------------------------------------------------------------


def child_project(fmt: str, out: Path) -> dict[str, Any]:
    common.django_setup()
    from exports import files
    from exports.lists import find_target, get_list

    ready_mb = common.peak_rss_mb()
    started = time.perf_counter()
    target = find_target(TARGET)
    assert target is not None
    with out.open("wb") as handle:
        count = files.write(get_list(target, "followers"), files.Format(fmt), handle)
    return {"seconds": time.perf_counter() - started, "rows": count, "ready_mb": ready_mb}


def child_baseline(
    fmt: str, out: Path, database: common.Database, target_id: int
) -> dict[str, Any]:
    """PostgreSQL: psycopg 3 with a server-side (named) cursor, so the rows
    stream as they do from sqlite3 instead of arriving all at once."""
    import csv

    ready_mb = common.peak_rss_mb()
    started = time.perf_counter()
    db = common.connect(database)
    if common.is_postgres(database):
        db.autocommit = False  # a named cursor lives in a transaction
        cursor = db.cursor(name="baseline")
        cursor.itersize = 2000
        # A naive UTC time, as sqlite3 gives (openpyxl refuses time zones).
        text = BASELINE_SQL.replace(
            "COALESCE(s.finished_at, s.created_at)",
            "COALESCE(s.finished_at, s.created_at) AT TIME ZONE 'UTC'",
        )
        cursor.execute(common.sql(database, text), (target_id,))
    else:
        cursor = db.execute(BASELINE_SQL, (target_id,))
    count = 0
    if fmt == "csv":
        with out.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            for row in cursor:
                writer.writerow(row)
                count += 1
    elif fmt == "json":
        names = ["username", "full_name", "ig_pk", "v", "p", "url", "first_seen_at"]
        with out.open("w", encoding="utf-8") as handle:
            handle.write("[")
            for row in cursor:
                record = dict(zip(names, row, strict=True))
                handle.write(("," if count else "") + json.dumps(record, default=str))
                count += 1
            handle.write("]")
    else:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("followers")
        for row in cursor:
            sheet.append(row)
            count += 1
        workbook.save(out)
    db.close()
    return {"seconds": time.perf_counter() - started, "rows": count, "ready_mb": ready_mb}


def child_main(argv: list[str]) -> None:
    if argv[0] == "project":
        result = child_project(argv[1], Path(argv[2]))
    else:
        result = child_baseline(argv[1], Path(argv[2]), common.as_database(argv[3]), int(argv[4]))
    common.emit(result)


# --- Parent -------------------------------------------------------------------------


def _pair(ws: Workspace, fmt: str, database: common.Database, target: int) -> tuple[dict, dict]:
    out = ws.root / f"project.{fmt}"
    project = ws.run("export", "export", "project", fmt, out)
    project["bytes"] = out.stat().st_size
    out.unlink()
    raw_out = ws.root / f"baseline.{fmt}"
    baseline = ws.run("export", "export", "baseline", fmt, raw_out, database, target)
    raw_out.unlink()
    return project, baseline


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median time, with every run's time and the highest RSS."""
    chosen = dict(sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2])
    chosen["all_seconds"] = [r["seconds"] for r in runs]
    chosen["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
    return chosen


def run(ws: Workspace, rows: int, repeat: int = 1) -> list[Figure]:
    ws.base(rows)
    database = ws.copy("base", "export")
    target = browse.target_id(database)
    print(f"Export: {rows:,} followers of @{TARGET} ...", flush=True)
    figures = []
    for fmt in FORMATS:
        # Project and baseline alternate, so a busy moment hits both alike.
        pairs = [_pair(ws, fmt, database, target) for _ in range(repeat)]
        project = _median_run([p for p, _ in pairs])
        baseline = _median_run([b for _, b in pairs])
        assert project["rows"] == baseline["rows"] == rows, (project["rows"], baseline["rows"])
        share = baseline["seconds"] / project["seconds"]
        goal = GOAL_SHARE[fmt]
        rss_ok = project["peak_rss_mb"] < RSS_GOAL_MB
        fig = Figure(
            "export",
            fmt.upper(),
            project["seconds"],
            baseline["seconds"],
            "s",
            f">= {goal:.0%} of raw, RSS < {RSS_GOAL_MB} MB",
            share >= goal and rss_ok,
            project["peak_rss_mb"],
            baseline["peak_rss_mb"],
            note=f"{share:.0%} of raw; {project['bytes'] / 1e6:.0f} MB file; "
            f"{project['ready_mb']:.0f} MB after setup",
            extra={"project": project, "baseline": baseline, "share_of_raw": share},
        )
        common.print_figure(fig)
        figures.append(fig)
    return figures


if __name__ == "__main__":
    child_main(sys.argv[1:])
