"""Audience: 12 posts x 5,000 comments from 20,000 commenters, against an
account with a 1,000,000-follower history (half the commenters follow).

Cases, each in a fresh process against the raw SQL baseline on the same data:
- the Audience tab through the whole stack (Django test client, logged in),
  server time, goal < 150 ms: the first request of a new process after the
  worker stored the figures (audience/snapshot.py; its computation reported
  for information), then the median of the next ones; raw: the commenters
  aggregate alone in sqlite3;
- the cross-reference (audience.analytics.commenters: follows, since, left,
  loyal; plus the followers at the baseline), goal < 1 s; raw: the same
  commenters SQL in sqlite3; the pods and generic-text flags for information;
- the commenters and comments CSV exports, goal: at least 50% of the raw
  throughput (sqlite3 + csv.writer of the same columns); medians of 3
  alternating pairs, as the content benchmark's posts exports.

    python -m benchmarks --only audience [--rows 1000000]
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import common
from benchmarks.common import Figure, Workspace

TARGET = "benchaudience"
POSTS = 12
COMMENTS_PER_POST = 5_000
COMMENTERS = 20_000
REPEATS = 5
TAB_GOAL_MS = 150.0
XREF_GOAL_S = 1.0
EXPORT_GOAL = 0.5  # project throughput / raw throughput
EXPORT_RUNS = 3  # each export and its baseline, alternating; the medians count
BASE = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)


def child_build(followers: int) -> dict[str, Any]:
    """The data, written with the ORM for the few rows and executemany for the bulk."""
    common.django_setup()
    from django.db import connection, transaction

    from accounts_app.models import IgUser, TrackedAccount
    from content.models import Post
    from scraping.models import Direction, Scrape, ScrapeList, ScrapeStats

    started = time.perf_counter()
    now = BASE.isoformat(sep=" ")
    with transaction.atomic():
        owner = IgUser.objects.create(ig_pk=1, username=TARGET)
        target = TrackedAccount.objects.create(user=owner, follower_count=followers)
        first = Scrape.objects.create(
            target=target, status=Scrape.Status.SUCCEEDED, created_at=BASE,
            finished_at=BASE,
        )  # fmt: skip
        later = BASE + dt.timedelta(days=20)
        scrape = Scrape.objects.create(
            target=target, status=Scrape.Status.SUCCEEDED, created_at=later, finished_at=later
        )
        for made in (first, scrape):
            ScrapeList.objects.create(scrape=made, direction=Direction.FOLLOWER, complete=True)
            # What finalise writes for a complete list: the followers it held.
            held = followers if made is first else followers - followers // 100
            ScrapeStats.objects.create(scrape=made, target=target, taken_at=made.created_at,
                                       followers=held)  # fmt: skip
        posts = [
            Post.objects.create(
                target=target, ig_pk=10_000 + n, shortcode=f"B{n}", product_type="feed",
                media_type=1, taken_at=BASE + dt.timedelta(days=n), first_seen=scrape,
                last_seen=scrape,
            ).pk
            for n in range(POSTS)
        ]  # fmt: skip
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO accounts_app_iguser (ig_pk, username, full_name, profile_pic_url,"
                " is_verified, is_private, created_at, updated_at)"
                " VALUES (%s,%s,%s,'',%s,%s,%s,%s)",
                [
                    (100 + i, f"user.{i:07d}", f"User {i}", i % 50 == 0, i % 5 == 0, now, now)
                    for i in range(followers + COMMENTERS // 2)
                ],
            )
            cursor.execute("SELECT MIN(id) FROM accounts_app_iguser WHERE ig_pk >= 100")
            (first_user,) = cursor.fetchone()
            rows = []
            for i in range(followers):
                ended = scrape.pk if i % 100 == 0 else None
                rows.append((target.pk, first_user + i, 1, first.pk, ended))
            cursor.executemany(
                "INSERT INTO scraping_relationship (target_id, user_id, direction, first_seen_id,"
                " ended_by_id) VALUES (%s,%s,%s,%s,%s)",
                rows,
            )
            # Commenters: half followers (the first 10,000 users), half not.
            commenters = list(range(first_user, first_user + COMMENTERS // 2)) + list(
                range(first_user + followers, first_user + followers + COMMENTERS // 2)
            )
            rng = random.Random(7)
            texts = ("Great post!", "🔥🔥", "Where is this?", "Nice!", "Love the colours here")
            comments = []
            pk = 10**15
            for n, post_id in enumerate(posts):
                taken = BASE + dt.timedelta(days=n)
                for k in range(COMMENTS_PER_POST):
                    pk += 1
                    author = commenters[(k * 7 + n * 1_667) % COMMENTERS]
                    created = (taken + dt.timedelta(minutes=rng.randrange(1, 5_000))).isoformat(
                        sep=" "
                    )
                    comments.append(
                        (post_id, target.pk, pk, author, texts[k % 5], created, k % 4, scrape.pk,
                         scrape.pk)
                    )  # fmt: skip
            cursor.executemany(
                "INSERT INTO audience_comment (post_id, target_id, ig_pk, author_id, text,"
                " created_at, like_count, first_seen_id, last_seen_id)"
                " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                comments,
            )
    return {"seconds": time.perf_counter() - started, "target_id": target.pk}


def child_tab() -> dict[str, Any]:
    common.django_setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    owner, _ = get_user_model().objects.get_or_create(
        username="bench-owner", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(owner)
    url = f"/accounts/{TARGET}/audience/"

    def get() -> float:
        started = time.perf_counter()
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        return (time.perf_counter() - started) * 1000

    from audience import pages

    get()  # a running server: templates compiled, connection open
    pages._CACHE.clear()  # the first look after a scrape: this version is not in memory
    first = get()  # so the stored figures are read
    return {"first_ms": first, "ms": common.median([get() for _ in range(REPEATS)])}


def child_refresh(target_id: int) -> dict[str, Any]:
    """What the worker does after a scrape of the account: compute the tab's
    figures and store them (audience/snapshot.py)."""
    common.django_setup()
    from audience import pages

    started = time.perf_counter()
    pages.refresh_figures(target_id)
    return {"s": time.perf_counter() - started}


def child_xref(target_id: int, what: str) -> dict[str, Any]:
    """xref: the commenters crossed with the follower history (follows, since,
    left, loyal) and the engaged-followers figure; flags: the pods and the
    generic / emoji-only shares (no follower data; for information)."""
    common.django_setup()
    from audience import analytics

    def once() -> float:
        started = time.perf_counter()
        if what == "xref":
            base = analytics.baseline(target_id)
            rows = analytics.commenters(target_id)
            follow = sum(1 for row in rows if row.follows)
            assert base.scrape_id is not None and follow
            analytics.followers_at(target_id, base.scrape_id)
        else:
            analytics.flagged(target_id)
        return time.perf_counter() - started

    once()
    return {"s": common.median([once() for _ in range(3)])}


def child_export(name: str, out: str, target_id: int) -> dict[str, Any]:
    common.django_setup()
    from accounts_app.models import TrackedAccount
    from exports.audience import get_audience_export
    from exports.files import Format

    export = get_audience_export(TrackedAccount.objects.get(pk=target_id), name)
    started = time.perf_counter()
    with open(out, "wb") as handle:
        rows = export.write(Format.CSV, handle)
    return {"s": time.perf_counter() - started, "rows": rows}


def _raw_commenters(db: sqlite3.Connection, target_id: int) -> list[Any]:
    from audience.analytics import COMMENTERS_SQL

    sql = COMMENTERS_SQL.replace("%(t)s", str(int(target_id))).replace("%(loyal_posts)s", "12")
    sql = sql.replace("%(base)s", "(SELECT MAX(scrape_id) FROM scraping_scrapelist)")
    sql = sql.replace("%(follower)s", "1")
    return db.execute(sql).fetchall()


def child_raw(kind: str, database: str, target_id: int, out: str) -> dict[str, Any]:
    common.django_setup()  # only to read the SQL text; the timing is sqlite3's
    db = sqlite3.connect(database)
    started = time.perf_counter()
    if kind == "commenters":
        rows = _raw_commenters(db, target_id)
        if out:
            with open(out, "w", newline="", encoding="utf-8") as handle:
                csv.writer(handle).writerows(rows)
    else:
        rows = db.execute(
            "SELECT c.ig_pk, p.shortcode, p.ig_pk, u.username, u.ig_pk, c.text, c.created_at,"
            " c.like_count, c.parent_pk, c.removed_by_id FROM audience_comment c"
            " JOIN content_post p ON p.id = c.post_id JOIN accounts_app_iguser u"
            " ON u.id = c.author_id WHERE c.target_id = ? ORDER BY c.created_at, c.id",
            [target_id],
        ).fetchall()
        with open(out, "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(rows)
    return {"s": time.perf_counter() - started, "rows": len(rows)}


def child_main(argv: list[str]) -> None:
    role = argv[0]
    if role == "build":
        result = child_build(int(argv[1]))
    elif role == "tab":
        result = child_tab()
    elif role == "refresh":
        result = child_refresh(int(argv[1]))
    elif role == "xref":
        result = child_xref(int(argv[1]), argv[2])
    elif role == "export":
        result = child_export(argv[1], argv[2], int(argv[3]))
    else:
        result = child_raw(argv[1], argv[2], int(argv[3]), argv[4] if len(argv) > 4 else "")
    common.emit(result)


def _warm(database: Path) -> None:
    with open(database, "rb") as handle:
        while handle.read(1 << 24):
            pass


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return sorted(runs, key=lambda r: r["s"])[len(runs) // 2]


def _export(ws: Workspace, database: Path, target: int, name: str) -> Figure:
    """One export against its raw baseline, EXPORT_RUNS times alternating
    (the machine's load moves both; one pair measured 26-72% of raw for the
    same code in session 7), the medians compared."""
    out = str(ws.data_dir("audience") / f"{name}.csv")
    runs, raws = [], []
    for _ in range(EXPORT_RUNS):
        _warm(database)  # the same OS page cache for both sides, whoever runs first
        runs.append(ws.run("audience", "audience", "export", name, out, target))
        raws.append(ws.run("audience", "audience", "raw", name, database, target, out + ".raw"))
    project, baseline = _median_run(runs), _median_run(raws)
    share = baseline["s"] / project["s"] if project["s"] else 0.0
    os.unlink(out)
    seconds = ", ".join(f"{r['s']:.2f}" for r in runs)
    raw_seconds = ", ".join(f"{r['s']:.2f}" for r in raws)
    return Figure("audience", f"export {name} CSV", project["s"], baseline["s"], "s",
                  f">= {EXPORT_GOAL:.0%} of raw", share >= EXPORT_GOAL,
                  project["peak_rss_mb"], baseline["peak_rss_mb"],
                  note=(f"{project['rows']:,} rows, {share:.0%} of raw; medians of "
                        f"{EXPORT_RUNS}: {seconds} s against {raw_seconds} s"))  # fmt: skip


def run(ws: Workspace, rows: int) -> list[Figure]:
    followers = max(rows, COMMENTERS)
    database = ws.migrated("audience")
    print(f"Audience: building {followers:,} followers and 60,000 comments ...", flush=True)
    built = ws.run("audience", "audience", "build", followers)
    target = built["target_id"]
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=common.ROOT,
        env=ws.env("audience"),
        check=True,
    )
    figures = []
    refresh = ws.run("audience", "audience", "refresh", target)
    figures.append(
        Figure("audience", "tab figures, by the worker", refresh["s"], None, "s", "(info)",
               None, refresh["peak_rss_mb"], note="after each scrape, off the request path")
    )  # fmt: skip
    tab = ws.run("audience", "audience", "tab")
    raw = ws.run("audience", "audience", "raw", "commenters", database, target)
    figures.append(
        Figure("audience", "Audience tab, first look", tab["first_ms"], raw["s"] * 1000, "ms",
               f"< {TAB_GOAL_MS:.0f} ms", tab["first_ms"] < TAB_GOAL_MS, tab["peak_rss_mb"],
               raw["peak_rss_mb"], note="a new process reads the stored figures")
    )  # fmt: skip
    figures.append(
        Figure("audience", "Audience tab", tab["ms"], raw["s"] * 1000, "ms",
               f"< {TAB_GOAL_MS:.0f} ms", tab["ms"] < TAB_GOAL_MS, tab["peak_rss_mb"],
               raw["peak_rss_mb"], note=f"{raw['rows']:,} commenters, median of {REPEATS}")
    )  # fmt: skip
    xref = ws.run("audience", "audience", "xref", target, "xref")
    figures.append(
        Figure("audience", "cross-reference (SQL)", xref["s"], raw["s"], "s",
               f"< {XREF_GOAL_S:.0f} s", xref["s"] < XREF_GOAL_S, xref["peak_rss_mb"],
               raw["peak_rss_mb"])
    )  # fmt: skip
    flags = ws.run("audience", "audience", "xref", target, "flags")
    figures.append(
        Figure("audience", "pods and generic texts", flags["s"], None, "s", "(info)", None,
               flags["peak_rss_mb"])
    )  # fmt: skip
    for name in ("commenters", "comments"):
        figures.append(_export(ws, database, target, name))
    for fig in figures:
        common.print_figure(fig)
    return figures


if __name__ == "__main__":
    child_main(sys.argv[1:])
