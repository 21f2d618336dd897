"""Scrapes that start together on PostgreSQL take different logins: the choice
is serialised by row locks (logins.lock_choice), so the second worker's list
counts the first one's scrape. The scenario runs in its own process with
PostgreSQL settings (scraping/tests/login_choice_scenario.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from igdash.testing.processes import ROOT
from igdash.testing.services import fresh_postgres_database

pytestmark = [pytest.mark.slow, pytest.mark.services]


def _scenario(data_dir: Path, database_url: str, *args: str) -> dict[str, object]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "igdash.settings",
        "IGDASH_DATA_DIR": str(data_dir),
        "IGDASH_ENV_FILE": os.devnull,
        "IGDASH_SECRET_KEY": "test-only-secret-key-" + "x" * 40,
        "IGDASH_KEY_STORE": "file",
        "DATABASE_URL": database_url,
    }
    env.pop("CELERY_BROKER_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "scraping.tests.login_choice_scenario", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


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
