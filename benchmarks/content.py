"""Content analytics at 10,000 posts with 30 snapshots each: the Content tab,
its analytics, the posts exports, the storage of the metrics history, and a
content scrape's own work per listing page.

The database: POSTS posts of @benchtarget (a third reels with plays and a
duration, 3% with hidden likes, captions with hashtags and mentions), listed
by DAYS daily content scrapes, each through the engine's own path (create,
claim, attach_profile with the day's follower count, content.store.store_page
in pages of 50, scraping's finalise, which runs the content part's finalise
and refreshes the stored figures); 1% of the posts' counts change a day.

Cases (each in a fresh process, two warm-up requests, median of REPEATS):
- the tab's first page (cards and 30 posts) and infinite-scroll pages (newest
  first at 95% of the list, by rate at half of it, by likes ascending at half
  of it), through middleware, login, view and template (Django's test client);
  raw: the same page of rows as hand-written SQL (sqlite3);
- the analytics blocks (trends, top, tags, grid, reels), the tab's second
  request; raw: reading the stored columns of every post (sqlite3);
- info: the rates as the tab computed them before (post_rates: metrics
  intervals and follower history at each request);
- posts export CSV and JSON (exports.posts) against the same columns from
  sqlite3 into csv / json;
- storage: the database file after DAYS scrapes against after the first;
- scrape: a content scrape of the simulator's demo_big (320 posts and reels)
  over real HTTP with every answer after DELAY_MS: the scrape process's CPU
  time per listing page (the answers' wait is not CPU), and its wall time
  outside HTTP.

    python -m benchmarks --only content [--content-posts 10000] [--days 30]
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import common
from benchmarks.common import TARGET, Figure, Workspace

POSTS = 10_000
DAYS = 30
PAGE = 50
REPEATS = 9
CHANGING = 0.01
PAGE_GOAL_MS = 50.0
ANALYTICS_GOAL_MS = 200.0
EXPORT_SHARE = 0.5
EXPORT_RUNS = 3  # each export and its baseline, alternating; the medians count
STORAGE_RATIO = 2.0
SCRAPE_GOAL_MS = 13.0
SCRAPE_TARGET = "demo_big"
START = dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC)
FOLLOWERS = 50_000

RAW_PAGE = """
SELECT id, ig_pk, shortcode, product_type, taken_at, duration, likes, comments, plays,
       views, followers, followers_estimated, rate, caption, thumbnail, removed_by_id
FROM content_post WHERE target_id = ? AND removed_by_id IS NULL {extra}
ORDER BY {order} LIMIT 31
"""
RAW_ALL = """
SELECT id, ig_pk, shortcode, product_type, taken_at, duration, likes, comments, plays,
       views, followers, followers_estimated, rate
FROM content_post WHERE target_id = ? AND removed_by_id IS NULL
ORDER BY taken_at DESC, id DESC
"""
RAW_EXPORT = """
SELECT id, ig_pk, shortcode, product_type, taken_at, caption, duration, likes, comments, plays,
       views, rate
FROM content_post WHERE target_id = ? AND removed_by_id IS NULL
ORDER BY taken_at DESC, id DESC
"""


# --- Synthetic posts ---------------------------------------------------------------------


def _media(index: int, counts: tuple[int | None, int, int | None]) -> Any:
    from scraping.instagram.types import Media

    reel = index % 3 == 0
    likes, comments, plays = counts
    return Media(
        pk=7_000_000_000 + index * 7919,
        shortcode=f"B{index:07d}x",
        owner_pk=common.TARGET_PK,
        product_type="clips" if reel else ("carousel" if index % 5 == 0 else "feed"),
        media_type=2 if reel else (8 if index % 5 == 0 else 1),
        # Newest first: post 0 is the newest, one post every ~2.6 hours back.
        taken_at=START - dt.timedelta(hours=2.6 * (index + 1)),
        caption=f"Post {index} of the bench #tag{index % 50} #daily @friend{index % 20} "
        + "lorem ipsum " * (index % 6),
        likes=likes,
        comments=comments,
        plays=plays,
        ig_plays=plays,
        views=None,
        duration=float(8 + index % 50) + 0.5 if reel else None,
        coauthors=(),
        thumbnail_url=f"https://scontent.cdninstagram.com/v/t51/{index}_n.jpg",
    )


def _first_counts(index: int) -> tuple[int | None, int, int | None]:
    rng = random.Random(index)
    likes = None if index % 33 == 0 else rng.randrange(100, 5000)
    plays = rng.randrange(2_000, 400_000) if index % 3 == 0 else None
    return likes, rng.randrange(0, 300), plays


# --- Children ---------------------------------------------------------------------------


def child_build(posts: int, first_day: int, last_day: int) -> dict[str, Any]:
    """Daily content scrapes first_day..last_day-1 of every post."""
    common.django_setup()
    from content import services as content_services
    from content.models import ContentPart, Listing
    from content.store import store_page
    from scraping.models import Scrape
    from scraping.services.delta import finalise
    from scraping.services.scrapes import claim
    from scraping.services.store import attach_profile

    counts = {index: _first_counts(index) for index in range(posts)}
    rng = random.Random(first_day)
    store_seconds = finalise_seconds = 0.0
    for day in range(first_day, last_day):
        if day:
            for index in rng.sample(range(posts), int(posts * CHANGING)):
                likes, comments, plays = counts[index]
                counts[index] = (
                    None if likes is None else likes + rng.randrange(1, 50),
                    comments + rng.randrange(0, 3),
                    None if plays is None else plays + rng.randrange(10, 999),
                )
        created = content_services.create_scrape(
            TARGET, trigger=Scrape.Trigger.COMMAND, source=Scrape.Source.PRIVATE
        )
        ContentPart.objects.filter(scrape=created).update(list_clips=False)
        scrape = claim(created.pk, common.WORKER)
        assert scrape is not None
        attach_profile(scrape, common.WORKER, common.target_profile(FOLLOWERS + 37 * day))
        part = ContentPart.objects.get(scrape=scrape)
        started = time.perf_counter()
        for first in range(0, posts, PAGE):
            items = [_media(i, counts[i]) for i in range(first, min(first + PAGE, posts))]
            last = first + PAGE >= posts
            store_page(
                scrape,
                part,
                items,
                listing=Listing.FEED,
                next_cursor=None if last else f"c{first}",
                more=not last,
                worker=common.WORKER,
            )
        store_seconds += time.perf_counter() - started
        started = time.perf_counter()
        done = finalise(scrape, common.WORKER)
        finalise_seconds += time.perf_counter() - started
        assert done.status == Scrape.Status.SUCCEEDED, done.error_message
        print(f"    content day {day + 1}/{last_day} done", file=sys.stderr, flush=True)
    return {"store_seconds": store_seconds, "finalise_seconds": finalise_seconds}


def _cursor(kind: str) -> str:
    """The keyset cursor of the row at the case's depth."""
    from content.models import Post
    from core.keyset import _encode

    live = Post.objects.filter(target__user__username=TARGET, removed_by__isnull=True)
    total = live.count()
    if kind == "date":
        row = live.order_by("-taken_at", "-id")[int(total * 0.95)]
        return _encode(row.taken_at.isoformat(), row.pk)
    if kind == "rate":
        from django.db.models import F

        row = live.order_by(F("rate").desc(nulls_last=True), "-id")[total // 2]
        return _encode(row.rate, row.pk)
    from django.db.models import F

    row = live.order_by(F("likes").asc(nulls_last=True), "id")[total // 2]
    return _encode(row.likes, row.pk)


def _url(case: str) -> tuple[str, dict[str, str]]:
    base = f"/accounts/{TARGET}/content/"
    hx = {"HX-Request": "true"}
    if case == "page":
        return base, {}
    if case == "analytics":
        return f"{base}analytics/", hx
    if case == "scroll-date":
        return f"{base}rows/?cursor={_cursor('date')}", hx
    if case == "scroll-rate":
        return f"{base}rows/?sort=rate&cursor={_cursor('rate')}", hx
    return f"{base}rows/?sort=likes&order=asc&cursor={_cursor('likes')}", hx


def child_page(case: str) -> dict[str, Any]:
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
    if case in ("before", "snapshot"):
        # before: the rates as every request computed them before; snapshot:
        # the analytics blocks' figures, as each refresh now computes them.
        from accounts_app.models import TrackedAccount
        from content import analytics, snapshot

        target = TrackedAccount.objects.get(user__username=TARGET)
        work = analytics.post_rates if case == "before" else snapshot.figures
        times = []
        for _ in range(2 + REPEATS):
            started = time.perf_counter()
            work(target.pk)
            times.append(time.perf_counter() - started)
        return {"ms": common.median(times[2:]) * 1000}
    url, headers = _url(case)
    times, cpu = [], []
    for _ in range(2 + REPEATS):
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(url, headers=headers)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
        assert response.status_code == 200, response.content[:300]
    with CaptureQueriesContext(connection) as queries:
        body = client.get(url, headers=headers).content
    slowest = max(queries.captured_queries, key=lambda q: float(q["time"]))
    return {
        "ms": common.median(times[2:]) * 1000,
        "cpu_ms": common.median(cpu[2:]) * 1000,
        "queries": len(queries.captured_queries),
        "rows": body.count(b"data-post="),
        "slowest_sql_ms": float(slowest["time"]) * 1000,
    }


def child_raw_page(database: Path, case: str, target_id: int) -> dict[str, Any]:
    db = sqlite3.connect(database)
    if case == "analytics":
        sql, params = RAW_ALL, (target_id,)
    else:
        order = {
            "page": "taken_at DESC, id DESC",
            "scroll-date": "taken_at DESC, id DESC",
            "scroll-rate": "rate IS NULL, rate DESC, id DESC",
            "scroll-likes": "likes IS NULL, likes ASC, id ASC",
        }[case]
        # The same depth as the project's cursor, by OFFSET here (its cost is
        # not the point: the raw figure is the rows' read).
        depth = {"page": 0, "scroll-date": 0.95}.get(case, 0.5)
        (total,) = db.execute(
            "SELECT COUNT(*) FROM content_post WHERE target_id = ? AND removed_by_id IS NULL",
            (target_id,),
        ).fetchone()
        sql = RAW_PAGE.format(extra="", order=order) + f" OFFSET {int(total * depth)}"
        params = (target_id,)
    times = []
    for _ in range(2 + REPEATS):
        started = time.perf_counter()
        db.execute(sql, params).fetchall()
        times.append(time.perf_counter() - started)
    db.close()
    return {"ms": common.median(times[2:]) * 1000}


def child_export(fmt: str, out: Path) -> dict[str, Any]:
    common.django_setup()
    from exports import files
    from exports.lists import find_target
    from exports.posts import get_content_export

    target = find_target(TARGET)
    assert target is not None
    started = time.perf_counter()
    with out.open("wb") as handle:
        count = get_content_export(target, "posts").write(files.Format(fmt), handle)
    return {"seconds": time.perf_counter() - started, "rows": count}


RAW_TAGS = """
SELECT post_id, kind, group_concat(tag, ' ') FROM content_posttag
WHERE target_id = ? GROUP BY post_id, kind
"""


def child_raw_export(fmt: str, out: Path, database: Path, target_id: int) -> dict[str, Any]:
    """The same columns by hand: the posts' stored figures and their stored
    hashtags and mentions (one grouped read), into csv or json."""
    import csv

    started = time.perf_counter()
    db = sqlite3.connect(database)
    tags: dict[tuple[int, int], str] = {
        (post_id, kind): joined for post_id, kind, joined in db.execute(RAW_TAGS, (target_id,))
    }
    cursor = db.execute(RAW_EXPORT, (target_id,))
    names = [*[d[0] for d in cursor.description][1:], "hashtags", "mentions"]
    count = 0
    if fmt == "csv":
        with out.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            for post_id, *row in cursor:
                writer.writerow([*row, tags.get((post_id, 1), ""), tags.get((post_id, 2), "")])
                count += 1
    else:
        with out.open("w", encoding="utf-8") as handle:
            handle.write("[")
            for post_id, *row in cursor:
                record = dict(zip(names, row, strict=False))
                record["hashtags"] = tags.get((post_id, 1), "").split()
                record["mentions"] = tags.get((post_id, 2), "").split()
                handle.write(("," if count else "") + json.dumps(record))
                count += 1
            handle.write("]")
    db.close()
    return {"seconds": time.perf_counter() - started, "rows": count}


def child_scrape(base_url: str) -> dict[str, Any]:
    """A content scrape (all posts and reels, no follower list) of demo_big:
    the process's CPU time and wall time outside HTTP per listing page."""
    common.django_setup()
    from accounts_app.models import LoginCredential
    from benchmarks.scrape import _control, _timed_transports
    from content import services as content_services
    from content import store
    from scraping import services
    from scraping.instagram import private, web  # noqa: F401 (a warm worker has them)
    from scraping.services import logins

    spent = [0.0, 0]
    _timed_transports(spent)
    last: dict[str, float] = {}
    pages = [0]
    real_store_page = store.store_page

    def timed_store_page(*args: Any, **kwargs: Any) -> int:
        added = real_store_page(*args, **kwargs)
        pages[0] += 1
        last.update(at=time.perf_counter(), cpu=time.process_time(), http=spent[0])
        return added

    store.store_page = timed_store_page  # type: ignore[assignment]
    if not LoginCredential.objects.exists():
        session = _control(base_url, "POST", "session", json={"username": "demo_owner"})
        logins.store_login("demo_owner", sessionid=session["sessionid"])
    created = content_services.create_scrape(SCRAPE_TARGET, trigger="command", source="private")
    started, cpu_started = time.perf_counter(), time.process_time()
    done = services.run_scrape(created.pk)
    wall = time.perf_counter() - started
    assert done is not None and done.status == "succeeded", done and done.error_message
    part = done.content
    paging = last["at"] - started
    return {
        "pages": pages[0],
        "posts": part.fetched,
        "paging_seconds": paging,
        "http_seconds": last["http"],
        "cpu_seconds": last["cpu"] - cpu_started,
        "run_seconds": wall,
        "http_requests": spent[1],
    }


def child_main(argv: list[str]) -> None:
    role = argv[0]
    if role == "build":
        result = child_build(int(argv[1]), int(argv[2]), int(argv[3]))
    elif role == "page":
        result = child_page(argv[1])
    elif role == "raw-page":
        result = child_raw_page(Path(argv[1]), argv[2], int(argv[3]))
    elif role == "export":
        result = child_export(argv[1], Path(argv[2]))
    elif role == "raw-export":
        result = child_raw_export(argv[1], Path(argv[2]), Path(argv[3]), int(argv[4]))
    elif role == "simulator":
        from scraping.simulator.server import make_server

        server = make_server(port=0, seed=1)
        Path(argv[1]).write_text(server.base_url)
        server.serve_forever(poll_interval=0.1)
        return
    else:
        result = child_scrape(argv[1])
    common.emit(result)


# --- Parent ------------------------------------------------------------------------------


def _target_id(database: Path) -> int:
    db = sqlite3.connect(database)
    (target_id,) = db.execute("SELECT DISTINCT target_id FROM content_post").fetchone()
    db.close()
    return int(target_id)


def _build(ws: Workspace, posts: int, days: int) -> tuple[Path, int, int]:
    """The 30-day database; returns it with the file sizes after day 1 and after all."""
    from benchmarks import storage

    ws.migrated("content")
    print(f"Content: {posts:,} posts, {days} daily content scrapes ...", flush=True)
    built = ws.run("content", "content", "build", posts, 0, 1)
    one = storage.sizes(ws.database("content"))
    built_rest = ws.run("content", "content", "build", posts, 1, days)
    all_days = storage.sizes(ws.database("content"))
    ws.built["content"] = {"first": built, "rest": built_rest, "one": one, "all": all_days}
    return ws.database("content"), one["file_bytes"], all_days["file_bytes"]


PAGE_CASES = (
    ("page", "tab, first page"),
    ("scroll-date", "scroll, newest first at 95%"),
    ("scroll-rate", "scroll, by rate at 50%"),
    ("scroll-likes", "scroll, likes ascending at 50%"),
)


def _pages(ws: Workspace, database: Path, target_id: int) -> list[Figure]:
    # As `igdash serve` does: the manifest storage needs its collected files.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=common.ROOT,
        env=ws.env("content"),
        check=True,
    )
    figures = []
    for case, name in (*PAGE_CASES, ("analytics", "analytics summary")):
        project = ws.run("content", "content", "page", case)
        raw = ws.run("content", "content-raw", "raw-page", database, case, target_id)
        goal = ANALYTICS_GOAL_MS if case == "analytics" else PAGE_GOAL_MS
        figures.append(
            Figure(
                "content",
                name,
                project["ms"],
                raw["ms"],
                "ms",
                f"< {goal:.0f} ms",
                project["ms"] < goal,
                project["peak_rss_mb"],
                raw["peak_rss_mb"],
                note=(
                    f"CPU {project['cpu_ms']:.1f} ms; {project['queries']} queries, "
                    f"slowest {project['slowest_sql_ms']:.1f} ms"
                ),
                extra={"project": project, "raw": raw},
            )
        )
    for case, name, note in (
        ("before", "rates per request before (info)", "content.analytics.post_rates"),
        ("snapshot", "analytics at each refresh (info)", "content.snapshot.figures"),
    ):
        info = ws.run("content", "content", "page", case)
        figures.append(
            Figure(
                "content", name, info["ms"], None, "ms", "", None, info["peak_rss_mb"], note=note
            )
        )
    return figures


def _seconds(runs: list[dict[str, Any]]) -> str:
    return ", ".join(f"{run['seconds']:.2f}" for run in runs)


def _exports(ws: Workspace, database: Path, target_id: int) -> list[Figure]:
    figures = []
    for fmt in ("csv", "json"):
        out = ws.root / f"posts.{fmt}"
        runs, raws = [], []
        for _ in range(EXPORT_RUNS):  # alternating: the machine's load moves both
            runs.append(ws.run("content", "content", "export", fmt, out))
            raws.append(
                ws.run("content", "content-raw", "raw-export", fmt, out, database, target_id)
            )
        project = sorted(runs, key=lambda r: r["seconds"])[EXPORT_RUNS // 2]
        raw = sorted(raws, key=lambda r: r["seconds"])[EXPORT_RUNS // 2]
        share = raw["seconds"] / project["seconds"]
        figures.append(
            Figure(
                "content",
                f"posts export {fmt.upper()}",
                project["seconds"],
                raw["seconds"],
                "s",
                f">= {EXPORT_SHARE:.0%} of raw",
                share >= EXPORT_SHARE,
                project["peak_rss_mb"],
                raw["peak_rss_mb"],
                note=(
                    f"{share:.0%} of raw, {project['rows']:,} rows; medians of "
                    f"{EXPORT_RUNS}: {_seconds(runs)} s against {_seconds(raws)} s"
                ),
            )
        )
        out.unlink(missing_ok=True)
    return figures


def _scrape(ws: Workspace, delay_ms: int) -> Figure:
    from benchmarks.scrape import _control

    ws.migrated("content-scrape")
    url_file = ws.root / "content-simulator.url"
    simulator = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.content", "simulator", str(url_file)],
        cwd=common.ROOT,
        env=ws.env("content-simulator"),
    )
    try:
        for _ in range(300):
            if url_file.exists() and url_file.read_text():
                break
            time.sleep(0.1)
        base_url = url_file.read_text()
        print(f"Content scrape of @{SCRAPE_TARGET}, {delay_ms} ms per answer ...", flush=True)
        _control(base_url, "POST", "delay", json={"ms": delay_ms})
        env = {
            "IGDASH_INSTAGRAM_WEB_URL": base_url,
            "IGDASH_INSTAGRAM_API_URL": base_url,
            "IGDASH_PACING": "off",
            "IGDASH_RATE_WEB_API_LIMIT": "0",
            "IGDASH_RATE_GRAPHQL_LIMIT": "0",
            "IGDASH_RATE_MOBILE_API_LIMIT": "0",
        }
        project = ws.run("content", "content-scrape", "scrape", base_url, **env)
    finally:
        simulator.terminate()
        simulator.wait(timeout=30)
    cpu_ms = project["cpu_seconds"] / project["pages"] * 1000
    own_ms = (project["paging_seconds"] - project["http_seconds"]) / project["pages"] * 1000
    return Figure(
        "content",
        "scrape, CPU per listing page",
        cpu_ms,
        None,
        "ms",
        f"< {SCRAPE_GOAL_MS:.0f} ms a page",
        cpu_ms < SCRAPE_GOAL_MS,
        project["peak_rss_mb"],
        note=(
            f"{project['pages']} pages, {project['posts']} posts, {project['http_requests']} "
            f"requests at {delay_ms} ms; wall outside HTTP {own_ms:.1f} ms a page; "
            f"paging {project['paging_seconds']:.1f} s, of it HTTP {project['http_seconds']:.1f} s"
        ),
        extra={"project": project},
    )


def run(ws: Workspace, posts: int = POSTS, days: int = DAYS, delay_ms: int = 250) -> list[Figure]:
    database, one, all_days = _build(ws, posts, days)
    target_id = _target_id(database)
    mb = 1024 * 1024
    built = ws.built["content"]
    figures = [
        Figure(
            "content",
            f"storage, {days} scrapes vs one",
            all_days / mb,
            one / mb,
            "MB",
            f"<= {STORAGE_RATIO:.0f}x one snapshot",
            all_days <= STORAGE_RATIO * one,
            None,
            note=(
                f"{posts:,} posts, {CHANGING:.0%} of counts changing a day; build: store "
                f"{built['rest']['store_seconds']:.1f} s, finalise "
                f"{built['rest']['finalise_seconds']:.1f} s over {days - 1} days"
            ),
            extra=built,
        )
    ]
    figures += _pages(ws, database, target_id)
    figures += _exports(ws, database, target_id)
    figures.append(_scrape(ws, delay_ms))
    for fig in figures:
        common.print_figure(fig)
    return figures


if __name__ == "__main__":
    child_main(sys.argv[1:])
