"""Fixtures shared by every app's tests."""

from __future__ import annotations

import os

import pytest

from igdash.testing import services


def pytest_configure(config: pytest.Config) -> None:
    # Playwright's sync API runs an event loop in the test thread; Django's async
    # guard would refuse the ORM calls of live_server tests otherwise.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def postgres_url() -> str:
    return services.require_postgres()


@pytest.fixture
def redis_url() -> str:
    return services.require_redis()
