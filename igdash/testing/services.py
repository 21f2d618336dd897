"""Access to the external services some integration tests need.

PostgreSQL and Redis tests run when the servers answer. Without them they skip
with the reason, except under IGDASH_REQUIRE_SERVICES=1 (CI), where a missing
service is a failure.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

POSTGRES_URL = os.environ.get("IGDASH_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("IGDASH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def services_required() -> bool:
    return os.environ.get("IGDASH_REQUIRE_SERVICES", "") in {"1", "true", "yes"}


def _unavailable(what: str, why: str) -> None:
    message = f"{what} is not reachable ({why})"
    if services_required():
        pytest.fail(f"{message}, and IGDASH_REQUIRE_SERVICES=1 makes that a failure")
    pytest.skip(f"{message}; set {what} up or run in CI to include this test")


def require_postgres() -> str:
    try:
        import psycopg

        with psycopg.connect(POSTGRES_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        _unavailable("PostgreSQL", f"{POSTGRES_URL}: {exc}")
    return POSTGRES_URL


def require_redis() -> str:
    host, _, rest = REDIS_URL.removeprefix("redis://").partition(":")
    port = int(rest.split("/")[0] or 6379)
    try:
        with socket.create_connection((host, port), timeout=3) as sock:
            sock.sendall(b"PING\r\n")
            if not sock.recv(16).startswith(b"+PONG"):
                raise OSError("no PONG")
    except OSError as exc:
        _unavailable("Redis", f"{REDIS_URL}: {exc}")
    return REDIS_URL


@contextmanager
def fresh_postgres_database(server_url: str) -> Iterator[str]:
    """A new empty database on the server, dropped afterwards."""
    import psycopg

    name = f"igdash_it_{uuid.uuid4().hex[:10]}"
    base, _, _ = server_url.rpartition("/")
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_scenario(
    module: str,
    data_dir: Path,
    database_url: str | None,
    *args: str,
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Run `python -m module *args` in its own process with the project's
    settings on `database_url` (None: the data folder's SQLite), and return the
    JSON object its last line prints. For scenarios that need a database other
    than the test run's, or threads with their own connections."""
    import json
    import subprocess
    import sys

    from igdash.testing.processes import ROOT

    settings = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "igdash.settings",
        "IGDASH_DATA_DIR": str(data_dir),
        "IGDASH_ENV_FILE": os.devnull,
        "IGDASH_SECRET_KEY": "test-only-secret-key-" + "x" * 40,
        "IGDASH_KEY_STORE": "file",
        **(env or {}),
    }
    settings.pop("DATABASE_URL", None)
    settings.pop("CELERY_BROKER_URL", None)
    if database_url is not None:
        settings["DATABASE_URL"] = database_url
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=settings,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
