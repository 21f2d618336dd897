"""Export benchmark: time and peak memory of CSV, JSON and XLSX exports of one
target's followers, through igdash's export code and through a raw baseline.

The parent process builds a throw-away SQLite database (its own data folder),
then runs every export in a fresh subprocess that reports its own ru_maxrss, so
one export's memory never pollutes the next figure. The raw baseline reads the
same rows with the same SQL straight from sqlite3 into csv / json / openpyxl
write-only, with no conversion or formula neutralising.

    python -m benchmarks --only export [--rows N] [--json FILE]

Needs the `resource` module (Linux, macOS).
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import string
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET = "benchtarget"
FORMATS = ("csv", "json", "xlsx")
RSS_GOAL_MB = 150
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


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024


# --- Children -------------------------------------------------------------------------


def _fake_users(count: int, seed: int = 7) -> Iterator[tuple[object, ...]]:
    """Rows shaped like performance-notes.md: int64 pk, ~14-char username, ~10-char
    full name, ~154-char picture URL."""
    rng = random.Random(seed)
    letters = string.ascii_lowercase
    now = "2025-01-01 00:00:00"
    for i in range(count):
        username = "".join(rng.choices(letters, k=7)) + f"{i:07d}"
        full_name = "".join(rng.choices(letters, k=4)) + " " + "".join(rng.choices(letters, k=5))
        pic = "https://scontent.cdninstagram.com/v/t51.2885-19/" + "".join(
            rng.choices(string.ascii_letters + string.digits, k=105)
        )
        yield (
            10_000_000 + i * 7919,
            username,
            full_name,
            pic,
            rng.random() < 0.02,
            rng.random() < 0.3,
            now,
            now,
        )


def child_fixture(rows: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts_app.models import IgUser, TrackedAccount
    from scraping.models import Direction, Relationship, Scrape, ScrapeList

    started = time.perf_counter()
    with transaction.atomic():
        target = TrackedAccount.objects.create(user=IgUser.objects.create(username=TARGET, ig_pk=1))
        scrape = Scrape.objects.create(
            target=target, status=Scrape.Status.SUCCEEDED, finished_at=timezone.now()
        )
        ScrapeList.objects.create(scrape=scrape, direction=Direction.FOLLOWER, complete=True)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {IgUser._meta.db_table} (ig_pk, username, full_name, "  # noqa: S608
                "profile_pic_url, is_verified, is_private, created_at, updated_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                _fake_users(rows),
            )
            cursor.execute(
                f"INSERT INTO {Relationship._meta.db_table} "  # noqa: S608 (model names)
                "(target_id, user_id, direction, first_seen_id) "
                f"SELECT %s, id, %s, %s FROM {IgUser._meta.db_table} WHERE id != %s",
                [target.pk, int(Direction.FOLLOWER), scrape.pk, target.user_id],
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"seconds": time.perf_counter() - started, "target_id": target.pk}


def child_project(fmt: str, out: Path) -> dict[str, Any]:
    import django

    django.setup()
    from exports import files
    from exports.lists import find_target, get_list

    ready_mb = _peak_rss_mb()
    started = time.perf_counter()
    target = find_target(TARGET)
    assert target is not None
    with out.open("wb") as handle:
        count = files.write(get_list(target, "followers"), files.Format(fmt), handle)
    return {"seconds": time.perf_counter() - started, "rows": count, "ready_mb": ready_mb}


def child_baseline(fmt: str, out: Path, database: Path, target_id: int) -> dict[str, Any]:
    import csv
    import sqlite3

    ready_mb = _peak_rss_mb()
    started = time.perf_counter()
    db = sqlite3.connect(database)
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
                handle.write(("," if count else "") + json.dumps(record))
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
    role = argv[0]
    if role == "fixture":
        result = child_fixture(int(argv[1]))
    elif role == "project":
        result = child_project(argv[1], Path(argv[2]))
    else:
        result = child_baseline(argv[1], Path(argv[2]), Path(argv[3]), int(argv[4]))
    result["peak_rss_mb"] = _peak_rss_mb()
    print(json.dumps(result))


# --- Parent -------------------------------------------------------------------------


def _run_child(env: dict[str, str], *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.export", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"benchmark child {args} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(rows: int, json_path: Path | None = None) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="igdash-bench-"))
    data = workdir / "data"
    env = {
        **os.environ,
        "IGDASH_DATA_DIR": str(data),
        "IGDASH_ENV_FILE": os.devnull,
        "DJANGO_SETTINGS_MODULE": "igdash.settings",
        "IGDASH_SECRET_KEY": "benchmark-only-" + "x" * 40,
    }
    for key in ("DATABASE_URL", "CELERY_BROKER_URL"):
        env.pop(key, None)
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True
        )
        print(f"Building {rows:,} followers of @{TARGET} ...", flush=True)
        fixture = _run_child(env, "fixture", str(rows))
        print(f"  fixture built in {fixture['seconds']:.1f} s", flush=True)
        results = []
        for fmt in FORMATS:
            out = workdir / f"project.{fmt}"
            project = _run_child(env, "project", fmt, str(out))
            project["bytes"] = out.stat().st_size
            out.unlink()
            raw_out = workdir / f"baseline.{fmt}"
            baseline = _run_child(
                env,
                "baseline",
                fmt,
                str(raw_out),
                str(data / "igdash.sqlite3"),
                str(fixture["target_id"]),
            )
            raw_out.unlink()
            results.append({"format": fmt, "project": project, "baseline": baseline})
            ratio = project["seconds"] / baseline["seconds"]
            print(
                f"  {fmt:5} project {project['seconds']:7.2f} s  baseline "
                f"{baseline['seconds']:7.2f} s  ratio {ratio:4.2f}"
                f"  peak RSS project {project['peak_rss_mb']:6.1f} MB (after setup "
                f"{project['ready_mb']:.1f}), baseline {baseline['peak_rss_mb']:6.1f} MB",
                flush=True,
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report = {
        "benchmark": "export",
        "rows": rows,
        "python": sys.version.split()[0],
        "results": results,
        "rss_goal_mb": RSS_GOAL_MB,
        "rss_goal_met": all(r["project"]["peak_rss_mb"] < RSS_GOAL_MB for r in results),
    }
    print(f"Peak RSS under {RSS_GOAL_MB} MB in every format: {report['rss_goal_met']}")
    if json_path is not None:
        json_path.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return report


if __name__ == "__main__":
    child_main(sys.argv[1:])
