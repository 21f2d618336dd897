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
