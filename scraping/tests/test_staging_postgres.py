"""Finalise on PostgreSQL leaves the staging table empty in files as well as
rows once no scrape is staging (TRUNCATE), and keeps a running scrape's rows
(scraping/tests/staging_scenario.py, in its own process)."""

from __future__ import annotations

from pathlib import Path

import pytest

from igdash.testing.services import fresh_postgres_database, run_scenario

pytestmark = [pytest.mark.slow, pytest.mark.services]


def test_staging_is_emptied_to_nothing_once_no_scrape_stages(
    tmp_path: Path, postgres_url: str
) -> None:
    with fresh_postgres_database(postgres_url) as database_url:
        result = run_scenario("scraping.tests.staging_scenario", tmp_path, database_url)
    assert result["vendor"] == "postgresql"
    assert result["with_both"]["rows"] == 6000 and result["with_both"]["heap"] > 0
    # The second scrape is still staging: its rows stay, and so do the files.
    assert result["after_first"]["rows"] == 3000
    assert result["after_first"]["indexes"] >= result["with_both"]["indexes"]
    # Nobody stages any more: no heap page, and each index back to its meta page.
    after = result["after_both"]
    assert after == {"rows": 0, "heap": 0, "indexes": after["indexes"]}
    assert after["indexes"] <= 2 * 8192, after
