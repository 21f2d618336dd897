"""The Settings page's backups panel ("Back up now", the archives newest first)
and the line naming where the master key is kept."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from accounts_app import vault
from accounts_app.tests import factories
from core.models import AppSettings
from exports.backups import archives
from scraping.services import logins

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


@pytest.fixture
def owner_client(client: Client) -> Client:
    return factories.logged_in(client)


@pytest.fixture
def backups(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    settings.BACKUP_DIR = tmp_path / "backups"
    return Path(settings.BACKUP_DIR)


@pytest.fixture
def database_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[], Path]:
    """Copies the test database (in memory) to a file where igdash looks for it;
    call it once the test's data is in. Needs django_db(transaction=True): an
    open test transaction would block the copy."""

    def copy() -> Path:
        path = tmp_path / "igdash.sqlite3"
        connection.ensure_connection()
        with closing(sqlite3.connect(path)) as target:
            connection.connection.backup(target)
        monkeypatch.setitem(connection.settings_dict, "NAME", str(path))
        return path

    return copy


@pytest.mark.django_db(transaction=True)
def test_back_up_now_makes_a_verified_archive_and_lists_it_first(
    owner_client: Client,
    backups: Path,
    database_file: Callable[[], Path],
    isolated_vault: Path,
) -> None:
    logins.store_login("someone", password="pw-1")
    database_file()
    backups.mkdir()
    (backups / "igdash-backup-20250101-030000.zip").write_bytes(b"x" * 2048)

    response = owner_client.post("/settings/backups/", headers=HX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="backups"')
    made = [
        a.path
        for a in archives.list_archives()
        if a.path.name != "igdash-backup-20250101-030000.zip"
    ]
    assert len(made) == 1
    size = made[0].stat().st_size
    notice = re.search(r"<p role=\"status\"[^>]*>(.*?)</p>", html)
    assert notice and notice.group(1).startswith(f"Backed up to {made[0].name} (")
    listed = re.findall(r'data-archive="([^"]+)"', html)
    assert listed == [made[0].name, "igdash-backup-20250101-030000.zip"]
    assert "2.0\xa0KB" in html and "Jan 1, 2025 03:00" in html
    assert size > 0
    (backups / "check").mkdir()
    manifest, _ = archives.verify_archive(made[0], backups / "check")
    assert manifest["row_counts"]["accounts_app_logincredential"] == 1


def test_a_failed_backup_is_reported_in_the_panel(owner_client: Client, backups: Path) -> None:
    # The test database lives in memory: there is no file to back up.
    response = owner_client.post("/settings/backups/", headers=HX)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in html and "The backup failed: There is no database at" in html
    assert archives.list_archives() == []
    assert "No backups yet." in html


@pytest.mark.django_db(transaction=True)
def test_without_javascript_back_up_now_comes_back_with_a_message(
    owner_client: Client, backups: Path, database_file: Callable[[], Path]
) -> None:
    database_file()
    response = owner_client.post("/settings/backups/")
    assert response.status_code == 302 and response["Location"] == "/settings/#backups"

    page = owner_client.get("/settings/").content.decode()

    (made,) = archives.list_archives()
    assert f"Backed up to {made.path.name}" in page
    assert f'data-archive="{made.path.name}"' in page


def test_page_shows_the_retention_and_the_archives_folder(
    owner_client: Client, backups: Path
) -> None:
    settings_row = AppSettings.load()
    settings_row.backup_retention_days = 9
    settings_row.save()

    page = owner_client.get("/settings/").content.decode()

    assert "removes archives older than 9 days" in page
    assert str(backups) in page and "Back up now" in page


def test_page_names_the_key_store(owner_client: Client, isolated_vault: Path) -> None:
    vault.seal("k", b"x")  # creates the key file
    page = owner_client.get("/settings/").content.decode()
    assert f"data-key-store>key file {isolated_vault / 'master.key'}</strong>" in page

    vault.set_passphrase("a long enough passphrase")

    page = owner_client.get("/settings/").content.decode()
    assert "data-key-store>passphrase (unlocked)</strong>" in page


def test_archive_list_is_capped(owner_client: Client, backups: Path) -> None:
    backups.mkdir()
    for day in range(35):
        stamp = (dt.date(2025, 1, 1) + dt.timedelta(days=day)).strftime("%Y%m%d")
        (backups / f"igdash-backup-{stamp}-030000.zip").write_bytes(b"z")
    (backups / "notes.txt").write_text("not an archive")

    html = owner_client.get("/settings/").content.decode()

    listed = re.findall(r'data-archive="([^"]+)"', html)
    assert len(listed) == 30 and listed[0] == "igdash-backup-20250204-030000.zip"
    assert "5 older archives not listed." in html and "notes.txt" not in html


def test_a_misnamed_archive_does_not_break_the_page(owner_client: Client, backups: Path) -> None:
    backups.mkdir()
    (backups / "igdash-backup-20251399-000000.zip").write_bytes(b"z")

    response = owner_client.get("/settings/")

    assert response.status_code == 200
    assert "The backups cannot be listed:" in response.content.decode()
