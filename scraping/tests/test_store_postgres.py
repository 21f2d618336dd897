"""The page store's PostgreSQL write path (COPY into a temporary table and one
merge) writes exactly the rows the SQLite path (executemany) writes: the same
scenario runs on each database in its own process and the outcomes compare."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from igdash.testing.services import fresh_postgres_database, run_scenario

pytestmark = [pytest.mark.slow, pytest.mark.services]


def _scenario(data_dir: Path, database_url: str | None) -> dict[str, Any]:
    return run_scenario("scraping.tests.page_store_scenario", data_dir, database_url)


def test_postgres_page_store_writes_what_sqlite_writes(tmp_path: Path, postgres_url: str) -> None:
    sqlite = _scenario(tmp_path / "sqlite", None)
    with fresh_postgres_database(postgres_url) as database_url:
        postgres = _scenario(tmp_path / "postgres", database_url)
    assert (sqlite.pop("vendor"), postgres.pop("vendor")) == ("sqlite", "postgresql")
    assert postgres == sqlite
    # What the scenario is about, so that a scenario broken on both sides fails too.
    users = {u["username"]: u for u in sqlite["users"]}
    assert users["same.details"]["picture"] == "https://cdn/101?sig=old"  # picture alone: kept
    assert not users["same.details"]["updated"]
    assert users["renamed.name"]["picture"] == "https://cdn/102?sig=newer"
    assert users["renamed.name"]["full_name"] == "New Name"
    assert users["no.picture"]["picture"] == "https://cdn/103?sig=new"
    assert users["gone.private"]["private"] and users["gone.private"]["updated"]
    assert users["new.handle"]["ig_pk"] == 105 and "old.handle" not in users
    assert users["place.holder"]["ig_pk"] == 203  # the placeholder learned its pk
    assert "merge.me" in users and users["merge.me"]["ig_pk"] == 106  # merged into 106's row
    assert [u["ig_pk"] for u in sqlite["users"]].count(106) == 1
    assert len(users["x" * 64]["username"]) == 64
    assert [u["username"] for u in sqlite["users"]][-3:] == ["new.first", "x" * 64, "new.last"]
    assert sqlite["added"] == [8, 2]
    assert sqlite["part"] == [10, 3, "", True, False]


def test_a_user_another_scrape_commits_during_the_merge_is_staged(
    tmp_path: Path, postgres_url: str
) -> None:
    """The merge stages the users it wrote; the rest are looked up afterwards,
    in a statement that sees what other transactions committed meanwhile."""
    with fresh_postgres_database(postgres_url) as database_url:
        result = run_scenario("scraping.tests.store_race_scenario", tmp_path, database_url)
    assert result["vendor"] == "postgresql"
    assert result["merge_waited"]  # the race happened
    assert result["staged"] == [301, 302]
    assert result["added"] == [2]
