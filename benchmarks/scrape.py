"""Scrape overhead: a real scrape of FOLLOWERS followers (default 100,000) from
the simulator over real HTTP, through the engine's `run_scrape` with the
private-API client (instagrapi, 200 users a page), the simulator answering every
Instagram request after DELAY_MS (default 250 ms, /__sim__/delay). Pacing is
off (IGDASH_PACING=off) and so are the rate windows (limits 0, or the list
would wait for its window): the limiter still asks the database, per request,
whether Instagram closed the window. With windows on, as igdash's defaults are,
it also records every request in a write transaction (docs/performance.md
gives that cost).

How much of the wall time is the project's own work between pages? The client
side of every HTTP request (requests' and httpx's transports, and urllib3
receiving the body, which requests reads after its transport returns) is timed; the rest
of the wall time, from the start of `run_scrape` to the last page stored, is the
project's work: resolving the profile, parsing, the limiter, the page store. The
finalise that follows (the delta, the search index) is reported apart, with the
share of the whole run, as information. The Instagram client modules are
imported before the clock starts, as in a worker that has run a scrape before.
The raw baseline pages through the same list with a bare requests.Session
(same headers, same JSON, nothing stored), so its wall time is the floor:
simulator time plus transport.

The simulator runs in its own process (it must not share the GIL with the
scrape), with demo_big resized to FOLLOWERS followers (World(follower_counts=)).

    python -m benchmarks --only scrape [--scrape-followers 100000] [--delay-ms 250]
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import common
from benchmarks.common import Figure, Workspace

TARGET = "demo_big"
FOLLOWERS = 100_000
DELAY_MS = 250
GOAL_SHARE = 0.95  # of wall time waiting for Instagram's answers
MOBILE_USER_AGENT = (
    "Instagram 449.0.0.52.84 Android (34/14; 480dpi; 1344x2992; Google/google; "
    "Pixel 8 Pro; husky; husky; en_US; 1079242191)"
)


def _timed_transports(spent: list[float]) -> None:
    """Add the time spent inside every HTTP request (requests and httpx) to
    spent[0], and count requests in spent[1]. Receiving an answer's body is part
    of the request: requests reads it after its transport returns (urllib3's
    read), so that is timed too; a read inside a timed send is counted once."""
    import httpx
    import requests.adapters
    import urllib3.response

    depth = [0]

    def wrap(cls: Any, name: str, *, counts: bool) -> None:
        original = getattr(cls, name)

        def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
            if depth[0]:
                return original(self, *args, **kwargs)
            depth[0] += 1
            started = time.perf_counter()
            try:
                return original(self, *args, **kwargs)
            finally:
                depth[0] -= 1
                spent[0] += time.perf_counter() - started
                spent[1] += counts

        setattr(cls, name, timed)

    wrap(requests.adapters.HTTPAdapter, "send", counts=True)
    wrap(urllib3.response.HTTPResponse, "read", counts=False)
    wrap(httpx.HTTPTransport, "handle_request", counts=True)


def _control(base_url: str, method: str, path: str, **kwargs: Any) -> Any:
    import httpx

    response = httpx.request(method, f"{base_url}/__sim__/{path}", timeout=60, **kwargs)
    response.raise_for_status()
    return response.json()


# --- Children ---------------------------------------------------------------------------


def child_simulator(followers: int, url_file: Path) -> None:
    from scraping.simulator.server import make_server

    server = make_server(port=0, seed=1, follower_counts={TARGET: followers})
    url_file.write_text(server.base_url)
    server.serve_forever(poll_interval=0.1)


def child_project(base_url: str, followers: int) -> dict[str, Any]:
    common.django_setup()
    from accounts_app.models import LoginCredential
    from scraping import services
    from scraping.instagram import private, web  # noqa: F401 (a warm worker has them)
    from scraping.services import engine, logins

    spent = [0.0, 0]
    _timed_transports(spent)
    # The paging phase ends when the last page is stored: what follows is finalise.
    last_page: dict[str, float] = {}
    store_pages = engine.store_pages

    def timed_store_pages(*args: Any, **kwargs: Any) -> int:
        added = store_pages(*args, **kwargs)
        last_page.update(at=time.perf_counter(), http=spent[0])
        return added

    engine.store_pages = timed_store_pages  # type: ignore[assignment]
    if not LoginCredential.objects.exists():  # a later run keeps the stored session
        session = _control(base_url, "POST", "session", json={"username": "demo_owner"})
        logins.store_login("demo_owner", sessionid=session["sessionid"])
    created = services.create_scrape(TARGET, lists="followers", trigger="command", source="private")
    started = time.perf_counter()
    done = services.run_scrape(created.pk)
    wall = time.perf_counter() - started
    assert done is not None and done.status == "succeeded", done and done.error_message
    part = done.parts.get()
    assert abs(part.fetched - followers) <= followers * 0.02, (part.fetched, followers)
    return {
        "seconds": last_page["at"] - started,
        "http_seconds": last_page["http"],
        "run_seconds": wall,
        "run_http_seconds": spent[0],
        "http_requests": spent[1],
        "pages": part.pages,
        "users": part.fetched,
        "client": done.client_used,
    }


def child_raw(base_url: str, followers: int) -> dict[str, Any]:
    import requests

    from scraping.instagram import endpoints as ep

    session = _control(base_url, "POST", "session", json={"username": "demo_owner"})
    http = requests.Session()
    mobile = {
        "User-Agent": MOBILE_USER_AGENT,
        "X-IG-App-ID": ep.ANDROID_APP_ID,
        "Authorization": session["authorization"],
    }
    started = time.perf_counter()
    profile = http.get(
        base_url + ep.WEB_PROFILE_INFO, params={"username": TARGET}, headers=ep.web_headers()
    )
    profile.raise_for_status()
    pk = int(profile.json()["data"]["user"]["id"])
    url = base_url + ep.FRIENDSHIPS.format(pk=pk, direction="followers")
    cursor, pages, users = None, 0, 0
    while True:
        params: dict[str, Any] = {"count": ep.PRIVATE_PAGE_SIZE}
        if cursor:
            params["max_id"] = cursor
        response = http.get(url, params=params, headers=mobile)
        response.raise_for_status()
        data = response.json()
        pages += 1
        users += len(data["users"])
        cursor = data.get("next_max_id")
        if not cursor:
            break
    wall = time.perf_counter() - started
    assert abs(users - followers) <= followers * 0.02, (users, followers)
    return {"seconds": wall, "pages": pages, "users": users}


def child_main(argv: list[str]) -> None:
    role = argv[0]
    if role == "simulator":
        child_simulator(int(argv[1]), Path(argv[2]))
        return
    if role == "project":
        result = child_project(argv[1], int(argv[2]))
    else:
        result = child_raw(argv[1], int(argv[2]))
    common.emit(result)


# --- Parent ------------------------------------------------------------------------------


def run(ws: Workspace, followers: int = FOLLOWERS, delay_ms: int = DELAY_MS) -> list[Figure]:
    ws.migrated("scrape")
    url_file = ws.root / "simulator.url"
    simulator = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.scrape", "simulator", str(followers), str(url_file)],
        cwd=common.ROOT,
        env=ws.env("scrape-simulator"),
    )
    try:
        for _ in range(300):
            if url_file.exists() and url_file.read_text():
                break
            time.sleep(0.1)
        base_url = url_file.read_text()
        print(
            f"Scrape: {followers:,} followers of @{TARGET} from the simulator at {base_url}, "
            f"{delay_ms} ms per answer ...",
            flush=True,
        )
        # Warm the simulator's caches (the list and its users), so neither run pays them.
        ws.run("scrape", "scrape", "raw", base_url, followers)
        _control(base_url, "POST", "delay", json={"ms": delay_ms})
        _control(base_url, "POST", "stats/reset")
        env = {
            "IGDASH_INSTAGRAM_WEB_URL": base_url,
            "IGDASH_INSTAGRAM_API_URL": base_url,
            "IGDASH_PACING": "off",
            "IGDASH_RATE_WEB_API_LIMIT": "0",
            "IGDASH_RATE_GRAPHQL_LIMIT": "0",
            "IGDASH_RATE_MOBILE_API_LIMIT": "0",
        }
        project = ws.run("scrape", "scrape", "project", base_url, followers, **env)
        project["simulator_requests"] = _control(base_url, "GET", "stats")["total"]
        _control(base_url, "POST", "stats/reset")
        raw = ws.run("scrape", "scrape", "raw", base_url, followers)
        raw["simulator_requests"] = _control(base_url, "GET", "stats")["total"]
        # The next day's scrape (the nightly refresh): most users already stored.
        _control(base_url, "POST", "delay", json={"ms": 0})
        _control(base_url, "POST", "day", json={"advance": 1})
        ws.run("scrape", "scrape", "raw", base_url, followers)  # warm the new day
        _control(base_url, "POST", "delay", json={"ms": delay_ms})
        _control(base_url, "POST", "stats/reset")
        again = ws.run("scrape", "scrape", "project", base_url, followers, **env)
        again["simulator_requests"] = _control(base_url, "GET", "stats")["total"]
    finally:
        simulator.terminate()
        simulator.wait(timeout=30)
    figures = [
        _figure(f"{followers // 1000}k followers, first scrape", project, raw, delay_ms),
        _figure(f"{followers // 1000}k followers, next day", again, raw, delay_ms),
    ]
    for figure in figures:
        common.print_figure(figure)
    return figures


def _figure(case: str, project: dict[str, Any], raw: dict[str, Any], delay_ms: int) -> Figure:
    wall = project["seconds"]
    own = wall - project["http_seconds"]
    share = project["http_seconds"] / wall
    answers = project["simulator_requests"] * delay_ms / 1000
    per_page_ms = own / project["pages"] * 1000
    beyond_raw_ms = (wall - raw["seconds"]) / project["pages"] * 1000
    finalise = project["run_seconds"] - wall
    run_share = project["run_http_seconds"] / project["run_seconds"]
    return Figure(
        "scrape",
        case,
        wall,
        raw["seconds"],
        "s",
        f">= {GOAL_SHARE:.0%} of wall waiting for answers",
        share >= GOAL_SHARE,
        project["peak_rss_mb"],
        raw["peak_rss_mb"],
        note=(
            f"{share:.1%} of wall in HTTP, {answers / wall:.1%} in the {delay_ms} ms delays; "
            f"own work {per_page_ms:.1f} ms/page ({beyond_raw_ms:.1f} ms/page beyond raw), "
            f"{project['pages']} pages, {project['simulator_requests']} requests; "
            f"then finalise {finalise:.1f} s ({run_share:.1%} of the whole run in HTTP)"
        ),
        extra={
            "project": project,
            "raw": raw,
            "delay_ms": delay_ms,
            "http_share": share,
            "delay_share": answers / wall,
            "own_ms_per_page": per_page_ms,
            "beyond_raw_ms_per_page": beyond_raw_ms,
            "finalise_seconds": finalise,
            "run_http_share": run_share,
        },
    )


if __name__ == "__main__":
    child_main(sys.argv[1:])
