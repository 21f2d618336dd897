"""Run the benchmarks: what an account with N followers costs igdash, each
operation against a raw baseline measured in the same run on the same data.

    python -m benchmarks [--rows N] [--only NAME ...] [--json FILE]
                         [--database-url postgresql://HOST:PORT/DB]

Operations: ingest, finalise, browse, export, storage, scrape, content, audience, api
(docs/performance.md); scale (PostgreSQL + Redis, several workers) runs only
when named with --only.
Everything runs in a throw-away SQLite database (a temporary IGDASH_DATA_DIR)
built through the project's own code paths; each measured operation runs in a
fresh subprocess that reports its peak RSS. With --database-url, ingest,
finalise, browse, export and storage run on that PostgreSQL server instead (a
throw-away database each, created there and dropped at the end; raw baselines
in psycopg 3).
"""

from __future__ import annotations

import argparse
import json
import platform
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import Figure, Workspace, fmt_value

BENCHMARKS = (
    "ingest",
    "finalise",
    "browse",
    "export",
    "storage",
    "scrape",
    "content",
    "audience",
    "api",
    "scale",
)
POSTGRES = ("ingest", "finalise", "browse", "export", "storage")  # run with --database-url
OPT_IN = ("scale",)  # needs PostgreSQL and Redis: only with --only


def _run_one(name: str, ws: Workspace, args: argparse.Namespace) -> list[Figure]:
    if name == "ingest":
        from benchmarks import ingest

        return ingest.run(ws, args.rows)
    if name == "finalise":
        from benchmarks import finalise

        return finalise.run(ws, args.rows)
    if name == "browse":
        from benchmarks import browse

        return browse.run(ws, args.rows)
    if name == "export":
        from benchmarks import export

        return export.run(ws, args.rows, args.repeat)
    if name == "storage":
        from benchmarks import storage

        return storage.run(ws, args.rows, args.days)
    if name == "content":
        from benchmarks import content

        return content.run(ws, args.content_posts, args.days, args.delay_ms)
    if name == "audience":
        from benchmarks import audience

        return audience.run(ws, args.audience_followers)
    if name == "api":
        from benchmarks import api

        return api.run(ws, args.rows)
    if name == "scale":
        from benchmarks import scale

        return scale.run(
            ws,
            args.scale_k,
            args.scale_followers,
            args.delay_ms,
            kill=args.scale_kill,
            redis_db=args.scale_redis_db,
        )
    from benchmarks import scrape

    return scrape.run(ws, args.scrape_followers, args.delay_ms)


def print_table(figures: list[Figure]) -> None:
    print()
    header = (
        f"{'operation':9} {'case':30} {'project':>11} {'raw':>11} {'ratio':>6} "
        f"{'RSS MB':>7}  {'goal':40} result"
    )
    print(header)
    print("-" * len(header))
    for fig in figures:
        ratio = f"{fig.ratio:.2f}" if fig.ratio is not None else "-"
        rss = f"{fig.project_rss_mb:.0f}" if fig.project_rss_mb is not None else "-"
        verdict = {True: "pass", False: "FAIL", None: "info"}[fig.passed]
        print(
            f"{fig.operation:9} {fig.case:30} {fmt_value(fig.project, fig.unit):>11} "
            f"{fmt_value(fig.baseline, fig.unit):>11} {ratio:>6} {rss:>7}  {fig.goal:40} {verdict}"
        )
    failed = [f for f in figures if f.passed is False]
    print(f"\n{len(figures) - len(failed)} of {len(figures)} rows without a failed goal.")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--only", choices=BENCHMARKS, action="append", help="Run only these.")
    parser.add_argument("--rows", type=int, default=200_000, help="Followers of the target.")
    parser.add_argument("--json", type=Path, help="Also write the figures to this JSON file.")
    parser.add_argument("--days", type=int, default=30, help="Daily scrapes for storage.")
    parser.add_argument(
        "--scrape-followers", type=int, default=100_000, help="Followers for the scrape run."
    )
    parser.add_argument(
        "--audience-followers",
        type=int,
        default=1_000_000,
        help="Follower history of the audience benchmark's account.",
    )
    parser.add_argument(
        "--delay-ms", type=int, default=250, help="Simulator delay per answer (scrape)."
    )
    parser.add_argument(
        "--content-posts", type=int, default=10_000, help="Posts of the target (content)."
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="Export runs per format (median counts)."
    )
    parser.add_argument(
        "--database-url",
        help="Run on this PostgreSQL server (postgresql://...): a throw-away database each.",
    )
    parser.add_argument(
        "--scale-k", type=int, nargs="+", default=[1, 2, 4], help="Worker counts (scale)."
    )
    parser.add_argument(
        "--scale-followers", type=int, default=20_000, help="Followers per target (scale)."
    )
    parser.add_argument(
        "--scale-kill", action="store_true", help="Also a run with a worker killed (scale)."
    )
    parser.add_argument("--scale-redis-db", type=int, default=13, help="Redis db (scale).")
    args = parser.parse_args()
    default = POSTGRES if args.database_url else [n for n in BENCHMARKS if n not in OPT_IN]
    chosen = [name for name in BENCHMARKS if name in (args.only or default)]
    ws = Workspace(database_url=args.database_url)
    figures: list[Figure] = []
    started = time.perf_counter()
    print(f"Workspace {ws.root}", flush=True)
    try:
        for name in chosen:
            figures.extend(_run_one(name, ws, args))
    finally:
        ws.close()
        print_table(figures)
        report: dict[str, Any] = {
            "rows": args.rows,
            "days": args.days,
            "scrape_followers": args.scrape_followers,
            "delay_ms": args.delay_ms,
            "repeat": args.repeat,
            "python": sys.version.split()[0],
            "sqlite": sqlite3.sqlite_version,
            "database": "postgresql" if args.database_url else "sqlite",
            "machine": platform.platform(),
            "seconds": time.perf_counter() - started,
            "figures": [fig.as_dict() for fig in figures],
        }
        if args.json is not None:
            args.json.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
