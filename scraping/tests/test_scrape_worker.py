"""Scrapes run by the real `igdash serve` (Celery worker and beat) against the
simulator over real HTTP: a killed worker, a 429 storm, two scrapes at once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from igdash.testing.processes import Served, data_env, run_manage, run_serve
from scraping.services.engine import GROUP_USERS
from scraping.tests.sim_control import Sim

pytestmark = pytest.mark.slow


@pytest.fixture
def env(sim: Sim) -> dict[str, str]:
    return {
        "IGDASH_INSTAGRAM_WEB_URL": sim.base,
        "IGDASH_INSTAGRAM_API_URL": sim.base,
        "IGDASH_KEY_STORE": "file",
        "IGDASH_PACING": "off",
        "IGDASH_RATE_INLINE_WAIT": "0",
        "IGDASH_RATE_WEB_API_LIMIT": "0",
        "IGDASH_RATE_MOBILE_API_LIMIT": "0",
        "IGDASH_SCRAPE_STALE_SECONDS": "5",
        "IGDASH_SCRAPE_RESUME_EVERY_SECONDS": "2",
    }


def manage(
    data_dir: Path, env: dict[str, str], *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return run_manage(data_dir, *args, stdin=stdin, timeout=120, env=data_env(data_dir, **env))


def query(data_dir: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(data_dir / "igdash.sqlite3", timeout=30)) as db:
        return db.execute(sql, params).fetchall()


def scrape_state(data_dir: Path, scrape_id: int) -> dict[str, Any]:
    status, resume_at, attempts, message = query(
        data_dir,
        "SELECT status, resume_at, attempts, error_message FROM scraping_scrape WHERE id = ?",
        scrape_id,
    )[0]
    pages = query(
        data_dir,
        "SELECT COALESCE(SUM(pages), 0) FROM scraping_scrapelist WHERE scrape_id = ?",
        scrape_id,
    )[0][0]
    return {"status": status, "resume_at": resume_at, "attempts": attempts, "pages": pages,
            "message": message}  # fmt: skip


def wait_for(
    data_dir: Path, scrape_id: int, done: Any, served: Served, timeout: float = 120
) -> Iterator[dict[str, Any]]:
    """Poll the scrape, yielding each state, until done(state) or the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = scrape_state(data_dir, scrape_id)
        yield state
        if done(state):
            return
        time.sleep(0.1)
    raise AssertionError(f"scrape #{scrape_id} stuck at {state}\n{served.log()[-5000:]}")


def active_followers(data_dir: Path, username: str) -> set[int]:
    rows = query(
        data_dir,
        "SELECT u.ig_pk FROM scraping_relationship r "
        "JOIN accounts_app_iguser u ON u.id = r.user_id "
        "JOIN accounts_app_trackedaccount t ON t.id = r.target_id "
        "JOIN accounts_app_iguser tu ON tu.id = t.user_id "
        "WHERE tu.username = ? AND r.direction = 1 AND r.ended_by_id IS NULL",
        username,
    )
    return {row[0] for row in rows}


def start_scrape(data_dir: Path, env: dict[str, str], sim: Sim, *args: str) -> int:
    login = manage(data_dir, env, "login_instagram", "demo_owner", "--sessionid-stdin",
                   stdin=sim.session("demo_owner") + "\n")  # fmt: skip
    assert login.returncode == 0, login.stderr
    queued = manage(data_dir, env, "scrape", *args)
    assert queued.returncode == 0, queued.stderr
    return int(queued.stdout.split("#")[1].split()[0])


def wait_for_log(served: Served, text: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while text not in served.log():
        assert time.monotonic() < deadline, served.log()[-5000:]
        time.sleep(0.1)


def test_killed_worker_resumes_from_its_checkpoint_after_restart(
    tmp_path: Path, sim: Sim, env: dict[str, str]
) -> None:
    data = tmp_path / "data"
    sim.delay(10)  # slow enough to kill it mid-list: 800 web pages of 25
    with run_serve(data, env) as served:
        served.wait_healthy()
        scrape_id = start_scrape(data, env, sim, "demo_big", "--followers", "--client", "web")
        for state in wait_for(data, scrape_id, lambda s: s["pages"] >= 100, served):
            assert state["status"] in ("queued", "running"), state

        second = manage(data, env, "scrape", "https://www.instagram.com/demo_big/")
        assert second.returncode == 1
        assert second.stderr.strip().splitlines() == [
            f"CommandError: @demo_big already has scrape #{scrape_id} (running); "
            "wait for it to finish or cancel it."
        ]

        os.kill(served.worker_pid(), signal.SIGKILL)
        # serve restarts the worker (a second later) and stays up; once the dead
        # worker's process is reaped nothing writes for the scrape any more.
        wait_for_log(served, "the worker process exited (code -9); restarting it in 1 s.")
        killed_at = scrape_state(data, scrape_id)
        assert killed_at["status"] == "running"
        assert killed_at["pages"] < 800
        # Pages fetched but not yet stored die with the worker: at most one group
        # (the engine commits the pages of about a second together) and the one in flight.
        fetched_before = sim.stats()["endpoints"]["web_followers"]
        assert 0 <= fetched_before - killed_at["pages"] <= GROUP_USERS // 25 + 1
        sim.delay(0)

        # The restarted worker and the resumer (stale heartbeat) finish it.
        finished = lambda s: s["status"] not in ("queued", "running")  # noqa: E731
        state = list(wait_for(data, scrape_id, finished, served))[-1]
        assert served.stop() == 0

    assert state["status"] == "succeeded", state
    assert state["attempts"] == 2
    assert active_followers(data, "demo_big") == set(sim.truth("demo_big"))
    # The resume fetches exactly what was not stored: nothing stored is fetched twice.
    resumed_requests = sim.stats()["endpoints"]["web_followers"] - fetched_before
    assert resumed_requests == 800 - killed_at["pages"]


def test_429_storm_waits_resumes_by_itself_and_never_sends_into_a_closed_window(
    tmp_path: Path, sim: Sim, env: dict[str, str]
) -> None:
    data = tmp_path / "data"
    sim.scenarios("demo_ratelimit", rate_limit={"after": 3, "for": 3, "retry_after": 2})
    env = {**env, "IGDASH_RATE_MOBILE_API_LIMIT": "6", "IGDASH_RATE_MOBILE_API_WINDOW": "3"}
    with run_serve(data, env) as served:
        served.wait_healthy()
        scrape_id = start_scrape(
            data, env, sim, "demo_ratelimit", "--followers", "--client", "private"
        )
        seen = list(
            wait_for(
                data,
                scrape_id,
                lambda s: s["status"] in ("succeeded", "partial", "failed", "needs_attention"),
                served,
            )
        )
        served.stop()

    assert seen[-1]["status"] == "succeeded", seen[-1]
    waits = [s for s in seen if s["status"] == "waiting_rate_limit"]
    assert waits and all(s["resume_at"] for s in waits)
    assert active_followers(data, "demo_ratelimit") == set(sim.truth("demo_ratelimit"))

    requests = sim.list_requests()
    for refused in (e for e in requests if e.status == 429):
        following = [e for e in requests if e.at > refused.at]
        assert min(e.at for e in following) >= refused.at + 2 - 0.05  # Retry-After honoured
    for entry in requests:  # the limiter's own window: 6 per 3 s
        in_window = [e for e in requests if entry.at - 3 + 0.2 < e.at <= entry.at]
        assert len(in_window) <= 6
