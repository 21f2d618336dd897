"""40 wrong passwords at once from one address, against a served igdash (real
Waitress threads, SQLite in WAL mode, PBKDF2): at most LOGIN_MAX_FAILURES of
them may have their password checked."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import httpx
import pytest

from igdash.testing.processes import run_serve
from igdash.testing.services import fresh_postgres_database

pytestmark = pytest.mark.slow

ATTEMPTS = 40
LIMIT = 5


def _ready_client(base_url: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base_url, timeout=120)
    page = client.get("/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, page.text
    return client, token.group(1)


def test_parallel_wrong_passwords_get_at_most_the_limit_checked(tmp_path: Path) -> None:
    _burst(tmp_path / "data", {})


@pytest.mark.services
def test_the_same_holds_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    # PostgreSQL has no database-wide write lock: the advisory lock serialises.
    with fresh_postgres_database(postgres_url) as database_url:
        _burst(tmp_path / "data", {"DATABASE_URL": database_url})


def _burst(data: Path, extra_env: dict[str, str]) -> None:
    env = {
        "DJANGO_SETTINGS_MODULE": "igdash.testing.settings_password_checks",
        "IGDASH_LOGIN_MAX_FAILURES": str(LIMIT),
        "IGDASH_WEB_THREADS": "16",
        **extra_env,
    }
    with run_serve(data, env) as served:
        served.wait_healthy()
        checks = data / "password-checks.log"
        checks.unlink(missing_ok=True)
        clients = [_ready_client(served.base_url) for _ in range(ATTEMPTS)]
        start = threading.Barrier(ATTEMPTS)
        statuses: list[int] = []

        def attempt(client: httpx.Client, token: str) -> None:
            start.wait()
            response = client.post(
                "/login/",
                data={"csrfmiddlewaretoken": token, "username": "owner", "password": "wrong"},
                headers={"Referer": f"{served.base_url}/login/"},
            )
            statuses.append(response.status_code)

        threads = [threading.Thread(target=attempt, args=pair) for pair in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        made = len(checks.read_text().splitlines()) if checks.exists() else 0
        served.stop()
    assert set(statuses) <= {200, 429}, statuses
    assert len(statuses) == ATTEMPTS
    assert made <= LIMIT, f"{made} of {ATTEMPTS} wrong passwords were checked (limit {LIMIT})"
    assert statuses.count(429) >= ATTEMPTS - LIMIT
