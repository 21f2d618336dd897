"""Fixtures shared by every app's tests."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings as hypothesis_settings

from igdash.testing import services

# Property-based tests: the same few examples on every run and machine (no
# example database, no deadline on a shared 2-core machine); "explore" searches
# longer at random: pytest --hypothesis-profile=explore.
hypothesis_settings.register_profile(
    "igdash", max_examples=5, derandomize=True, database=None, deadline=None
)
hypothesis_settings.register_profile("explore", max_examples=200, deadline=None)
hypothesis_settings.load_profile("igdash")

# Fixtures shared across apps: the scrape engine's fakes and the simulator control.
pytest_plugins = (
    "scraping.tests.engine_fakes",
    "scraping.tests.sim_control",
    "notify.tests.inbox",
)


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


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    """Debian's chromium driven by Playwright (never a downloaded browser)."""
    from igdash.testing.browser import launch_chromium

    with launch_chromium() as launched:
        yield launched


@pytest.fixture
def page(browser, request):  # type: ignore[no-untyped-def]
    """A fresh page that records console errors and failed requests; the test
    fails if any happened, and a screenshot is kept in test-artifacts/."""
    from igdash.testing.browser import watched_page

    with watched_page(browser, request.node.name) as watched:
        yield watched


@pytest.fixture(autouse=True)
def _no_cached_instagram_answers() -> None:
    """Each test meets Instagram (the simulator) afresh: the day's cache of its
    answers (scraping/services/answer_cache.py) lives in the data folder, which
    the whole test run shares."""
    from scraping.services import answer_cache

    answer_cache.clear()
