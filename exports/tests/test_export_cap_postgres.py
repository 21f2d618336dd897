"""The cap on background exports holds when two requests arrive together on
PostgreSQL: counting the active jobs and adding one is a single step
(core/serial.py). The scenario runs in its own process with PostgreSQL
settings and its own threads (exports/tests/export_cap_scenario.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from igdash.testing.services import fresh_postgres_database, run_scenario

pytestmark = [pytest.mark.slow, pytest.mark.services]
CAP = {"IGDASH_EXPORT_MAX_ACTIVE_JOBS": "1"}


def test_two_requests_at_once_never_exceed_the_cap(tmp_path: Path, postgres_url: str) -> None:
    with fresh_postgres_database(postgres_url) as database_url:
        result = run_scenario(
            "exports.tests.export_cap_scenario", tmp_path / "locked", database_url, env=CAP
        )
    assert result == {"vendor": "postgresql", "jobs": 1, "refused": 1}


def test_without_the_lock_both_get_in(tmp_path: Path, postgres_url: str) -> None:
    """The scenario can fail: without the lock both requests count no job."""
    with fresh_postgres_database(postgres_url) as database_url:
        result = run_scenario(
            "exports.tests.export_cap_scenario",
            tmp_path / "unlocked",
            database_url,
            "--no-lock",
            env=CAP,
        )
    assert result == {"vendor": "postgresql", "jobs": 2, "refused": 0}


def test_two_identical_requests_at_once_share_one_job(tmp_path: Path, postgres_url: str) -> None:
    with fresh_postgres_database(postgres_url) as database_url:
        result = run_scenario(
            "exports.tests.export_cap_scenario",
            tmp_path / "same",
            database_url,
            "--same",
            env={"IGDASH_EXPORT_MAX_ACTIVE_JOBS": "4"},
        )
    assert result == {"vendor": "postgresql", "jobs": 1, "refused": 0}
