"""`igdash serve` end to end: real Waitress, Celery worker and beat processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from igdash.testing.processes import ROOT, Served, csrf_token, free_port, run_serve
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
    assert "exited (code" not in log


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


def _worker_check(served: Served) -> dict[str, object] | None:
    """/health's worker entry; None when the web server did not answer."""
    try:
        return httpx.get(f"{served.base_url}/health", timeout=5).json()["worker"]
    except httpx.HTTPError:
        return None


def test_serve_restarts_a_killed_worker_and_health_follows(tmp_path: Path) -> None:
    with run_serve(tmp_path / "data") as served:
        served.wait_healthy()
        client = served.logged_in_client()
        old_pid = served.worker_pid()
        os.kill(old_pid, signal.SIGKILL)
        killed = time.monotonic()

        answers = []
        while time.monotonic() - killed < 15:
            answers.append(_worker_check(served))
            if answers[-1] and answers[-1]["ok"] is False:
                break
            time.sleep(0.2)
        assert answers[-1] is not None and answers[-1]["ok"] is False, (answers, served.log())
        assert None not in answers  # the web server answered throughout
        system_card = client.get("/").text.split('id="system-heading"')[1]
        assert "Down" in system_card.split("</dl>")[0]

        health = served.wait_healthy(timeout=60)  # the worker came back
        assert health["worker"]["ok"] is True  # type: ignore[index]
        assert served.worker_pid() != old_pid
        assert "igdash-worker@" in _ping_round_trip(served)  # and runs tasks
        assert served.process.poll() is None
        assert served.stop() == 0
    log = served.log()
    assert "igdash: the worker process exited (code -9); restarting it in 1 s." in log
    assert "giving up" not in log


def test_serve_refuses_a_port_another_server_listens_on(tmp_path: Path) -> None:
    with run_serve(tmp_path / "data") as served:
        served.wait_healthy()
        port = served.base_url.rsplit(":", 1)[1]
        second = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "serve", "--port", port],
            env={**os.environ, "IGDASH_DATA_DIR": str(tmp_path / "other"),
                 "IGDASH_ENV_FILE": os.devnull},
            capture_output=True, text=True, timeout=60, check=False, cwd=ROOT,
        )  # fmt: skip
        assert second.returncode == 1
        assert f"127.0.0.1:{port} is already in use" in second.stderr
        assert served.wait_healthy()["worker"]["ok"] is True  # type: ignore[index]
        served.stop()


def test_serve_starts_again_at_once_after_a_stop_with_keep_alive_clients(
    tmp_path: Path,
) -> None:
    port = free_port()
    with run_serve(tmp_path / "data", port=port) as served:
        served.wait_healthy()
        # A browser's keep-alive connection that made a request and stays open.
        browser = httpx.Client(base_url=served.base_url, timeout=5)
        assert browser.get("/login/").status_code == 200
        assert browser.get("/health").status_code == 200  # the same connection again
        assert served.stop() == 0
    try:
        with run_serve(tmp_path / "data", port=port) as again:
            health = again.wait_healthy()
            assert health["worker"]["ok"] is True  # type: ignore[index]
            assert again.stop() == 0
    finally:
        browser.close()
    assert "already in use" not in again.log()


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


def test_serve_hands_forwarded_for_to_igdash_behind_a_trusted_proxy(tmp_path: Path) -> None:
    # Waitress 3 drops X-Forwarded-For unless told otherwise, so behind `tailscale
    # serve` every client looked like the proxy: the allowlist let everyone in and
    # one guesser's failures locked the owner out from every device.
    env = {"IGDASH_TRUSTED_PROXIES": "127.0.0.1/32"}
    with run_serve(tmp_path / "data", env) as served:
        served.wait_healthy()
        outsider = httpx.get(f"{served.base_url}/login/", headers={"X-Forwarded-For": "8.8.8.8"})
        assert outsider.status_code == 403
        assert "igdash refuses 8.8.8.8" in outsider.text
        phone = httpx.get(
            f"{served.base_url}/login/", headers={"X-Forwarded-For": "100.101.102.103"}
        )
        assert phone.status_code == 200
