"""Scrapes that start together on PostgreSQL take different logins: the choice
is serialised by row locks (logins.lock_choice), so the second worker's list
counts the first one's scrape. The scenario runs in its own process with
PostgreSQL settings (scraping/tests/login_choice_scenario.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from igdash.testing.services import fresh_postgres_database, run_scenario

pytestmark = [pytest.mark.slow, pytest.mark.services]


def _scenario(data_dir: Path, database_url: str, *args: str) -> dict[str, object]:
    return run_scenario("scraping.tests.login_choice_scenario", data_dir, database_url, *args)


def test_two_scrapes_starting_together_take_different_logins(
    tmp_path: Path, postgres_url: str
) -> None:
    with fresh_postgres_database(postgres_url) as database_url:
        locked = _scenario(tmp_path / "locked", database_url)
    assert locked == {"vendor": "postgresql", "chosen": ["login1", "login2"]}


def test_without_the_lock_they_take_the_same_one(tmp_path: Path, postgres_url: str) -> None:
    """The scenario can fail: without lock_choice both workers read the list
    before either writes."""
    with fresh_postgres_database(postgres_url) as database_url:
        unlocked = _scenario(tmp_path / "unlocked", database_url, "--no-lock")
    assert unlocked == {"vendor": "postgresql", "chosen": ["login1", "login1"]}
