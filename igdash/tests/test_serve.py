"""`igdash serve` end to end: real Waitress, Celery worker and beat processes."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from igdash.testing.processes import Served, csrf_token, run_serve
from igdash.testing.services import fresh_postgres_database

pytestmark = pytest.mark.slow


def _ping_round_trip(served: Served) -> str:
    """Enqueue a task from a web request and wait for the worker's answer."""
    client = served.logged_in_client()
    home = client.get("/")
    assert home.status_code == 200
    created = client.post(
        "/system/ping/",
        headers={"X-CSRFToken": csrf_token(client), "HX-Request": "true"},
    )
    assert created.status_code == 201, created.text
    ping_id = int(created.text.split('data-ping-id="')[1].split('"')[0])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = client.get(f"/system/ping/{ping_id}/", headers={"HX-Request": "true"})
        if 'data-answered="yes"' in status.text:
            assert status.status_code == 286  # tells htmx to stop polling
            return status.text
        time.sleep(0.3)
    raise AssertionError(f"ping {ping_id} never answered\n{served.log()}")


def test_serve_runs_web_worker_and_beat_on_embedded_defaults(tmp_path: Path) -> None:
    with run_serve(tmp_path / "data") as served:
        health = served.wait_healthy()
        assert health["database"] == {"ok": True, "detail": "sqlite"}
        assert health["broker"] == {"ok": True, "detail": "filesystem"}
        assert health["worker"]["ok"] is True  # type: ignore[index]

        login_page = httpx.get(f"{served.base_url}/", follow_redirects=True)
        assert "Log in to igdash" in login_page.text

        answer = _ping_round_trip(served)
        assert "igdash-worker@" in answer
        assert (tmp_path / "data" / "broker" / "queue").is_dir()
        assert served.stop() == 0
    log = served.log()
    assert "igdash stopped." in log
    assert "exited unexpectedly" not in log


def test_serve_prints_generated_owner_password_once(tmp_path: Path) -> None:
    env = {"IGDASH_ADMIN_PASSWORD": ""}
    with run_serve(tmp_path / "data", env) as served:
        served.wait_healthy()
        served.stop()
    first = served.log()
    assert "Its generated password is:" in first
    with run_serve(tmp_path / "data", env) as again:
        again.wait_healthy()
        again.stop()
    assert "generated password" not in again.log()


def test_serve_exits_non_zero_when_a_child_dies(tmp_path: Path) -> None:
    with run_serve(tmp_path / "data") as served:
        health = served.wait_healthy()
        worker_pid = None
        for line in served.log().splitlines():
            if "igdash-worker@" in line and " ready." in line:
                worker_pid = int(line.split(" ")[4].rstrip(":"))
        assert worker_pid, served.log()
        assert health["worker"]["ok"] is True  # type: ignore[index]
        os.kill(worker_pid, signal.SIGKILL)
        code = served.process.wait(timeout=40)
    assert code != 0
    assert "the worker process exited unexpectedly" in served.log()


@pytest.mark.services
def test_serve_runs_tasks_over_redis_and_postgresql(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    redis_db = redis_url.rsplit("/", 1)[0] + "/9"
    with fresh_postgres_database(postgres_url) as database_url:
        env = {"DATABASE_URL": database_url, "CELERY_BROKER_URL": redis_db}
        with run_serve(tmp_path / "data", env) as served:
            health = served.wait_healthy()
            assert health["database"] == {"ok": True, "detail": "postgresql"}
            assert health["broker"] == {"ok": True, "detail": "redis"}
            assert "igdash-worker@" in _ping_round_trip(served)
            assert served.stop() == 0
        assert not (tmp_path / "data" / "igdash.sqlite3").exists()
