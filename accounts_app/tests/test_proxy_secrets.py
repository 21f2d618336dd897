"""Proxy credentials are secrets (issue 15.8): a login's own proxy and the
owner's proxy list are sealed with the vault like passwords. Their user and
password never reach the database, a backup, a log or a page (the admin's
included) in clear; pages show scheme://***@host:port. Rows an older igdash
stored in clear are sealed by a data migration, or at the next unlock when the
vault was locked during the upgrade."""

from __future__ import annotations

import logging
import sqlite3
import zipfile
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from accounts_app import proxies, vault
from accounts_app.models import LoginCredential
from accounts_app.tests import factories
from core.models import AppSettings
from exports.backups import archives
from igdash.testing.forms import settings_form
from igdash.testing.processes import run_manage
from scraping.services import logins
from scraping.services.clients import pick_proxy

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("isolated_vault")]

SECRET = "Pr0xyS3cret"
PROXY = f"http://puser:{SECRET}@proxy.example:8080"
MASKED = "http://***@proxy.example:8080"
LIST_SECRET = "L1stS3cret"
LISTED = f"socks5://luser:{LIST_SECRET}@10.1.2.3:1080"
LISTED_MASKED = "socks5://***@10.1.2.3:1080"
PLAIN = "http://10.9.9.9:3128"  # no credentials: nothing to hide, shown as is
BEFORE = [("accounts_app", "0005_iguser_one_username_index"), ("igdash", "0005_viewers_group")]


def _database_text() -> str:
    """Every row of every table as SQL text (BLOBs as hex): what a reader of the
    database file sees."""
    connection.ensure_connection()
    return "\n".join(connection.connection.iterdump())


@pytest.fixture
def owner_client(client: Client) -> Client:
    return factories.logged_in(client)


@pytest.fixture
def stored(owner_client: Client) -> LoginCredential:
    """A login with its own proxy and an owner's proxy list, stored the way the
    Settings page and `login_instagram --proxy` store them."""
    login = logins.store_login("someone", password="pw-not-checked", proxy=PROXY)
    saved = owner_client.post("/settings/", settings_form(proxies=f"{LISTED}\n{PLAIN}"))
    assert saved.status_code == 302
    return login


def test_proxy_credentials_are_sealed_in_the_database_and_opened_at_use(
    stored: LoginCredential,
) -> None:
    dump = _database_text()
    for secret in (SECRET, LIST_SECRET, "puser", "luser"):
        assert secret not in dump
    # The clients get the real address: the login's own first, else the list.
    assert pick_proxy(LoginCredential.objects.get(pk=stored.pk)) == PROXY
    assert pick_proxy(None, attempt=0) == LISTED
    assert pick_proxy(None, attempt=1) == PLAIN


def test_a_ciphertext_moved_to_another_login_does_not_open(stored: LoginCredential) -> None:
    other = logins.store_login("other", password="pw")
    LoginCredential.objects.filter(pk=other.pk).update(proxy_enc=stored.proxy_enc)
    with pytest.raises(vault.VaultError):
        pick_proxy(LoginCredential.objects.get(pk=other.pk))


def test_settings_page_shows_proxies_masked_and_keeps_them_when_saved_again(
    stored: LoginCredential, owner_client: Client
) -> None:
    html = owner_client.get("/settings/").content.decode()
    for secret in (SECRET, LIST_SECRET, "puser", "luser"):
        assert secret not in html
    assert MASKED in html and LISTED_MASKED in html and PLAIN in html

    # Saving the page as shown (masked lines) keeps the stored proxies; a line
    # removed is removed, a new line is added.
    new = "https://nuser:N3wS3cret@proxy2.example:443"
    again = owner_client.post("/settings/", settings_form(proxies=f"{LISTED_MASKED}\n{new}"))
    assert again.status_code == 302
    assert proxies.proxy_list(AppSettings.load()) == [LISTED, new]


def test_stars_are_never_stored_as_a_proxys_credentials(
    stored: LoginCredential, owner_client: Client
) -> None:
    unknown = "http://***@elsewhere.example:8080"
    response = owner_client.post("/settings/", settings_form(proxies=unknown))
    assert response.status_code == 200
    assert "type its address again" in response.content.decode()
    assert proxies.proxy_list(AppSettings.load()) == [LISTED, PLAIN]


def test_a_password_with_stars_in_it_is_still_a_password(owner_client: Client) -> None:
    starry = "http://suser:a***b@proxy3.example:3128"
    saved = owner_client.post("/settings/", settings_form(proxies=starry))
    assert saved.status_code == 302
    assert proxies.proxy_list(AppSettings.load()) == [starry]
    assert "a***b" not in owner_client.get("/settings/").content.decode()


def test_admin_change_pages_never_show_a_proxy_secret(
    stored: LoginCredential, owner_client: Client
) -> None:
    for url in (
        f"/admin/accounts_app/logincredential/{stored.pk}/change/",
        "/admin/accounts_app/logincredential/",
        "/admin/igdash/appsettings/1/change/",
        "/admin/igdash/appsettings/",
    ):
        response = owner_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for secret in (SECRET, LIST_SECRET, "puser", "luser"):
            assert secret not in html, url
    change = owner_client.get(f"/admin/accounts_app/logincredential/{stored.pk}/change/")
    assert MASKED in change.content.decode()


def test_checking_a_login_through_its_proxy_logs_no_credentials(
    caplog: pytest.LogCaptureFixture, fast_limits: None
) -> None:
    caplog.set_level(logging.DEBUG)
    login = logins.store_login("someone", password="pw", proxy=f"http://puser:{SECRET}@127.0.0.1:9")
    checked = logins.check_login(login)  # nobody listens on port 9: the check fails
    assert checked.status_message
    assert SECRET not in checked.status_message
    assert SECRET not in caplog.text and "puser" not in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_backup_holds_no_clear_proxy(
    stored: LoginCredential, settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    settings.BACKUP_DIR = tmp_path / "backups"
    path = tmp_path / "igdash.sqlite3"  # the in-memory test database, as a file
    connection.ensure_connection()
    with closing(sqlite3.connect(path)) as target:
        connection.connection.backup(target)
    monkeypatch.setitem(connection.settings_dict, "NAME", str(path))

    archive = archives.create_backup()
    with zipfile.ZipFile(archive) as zf:
        assert "igdash.sqlite3" in zf.namelist()
        contents = b"".join(zf.read(name) for name in zf.namelist())
    for secret in (SECRET, LIST_SECRET, "puser", "luser"):
        assert secret.encode() not in contents


def _migrate_back_and_store_clear_rows() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    old.get_model("accounts_app", "LoginCredential").objects.create(username="old", proxy=PROXY)
    old.get_model("igdash", "AppSettings").objects.update_or_create(
        pk=1, defaults={"proxies": f"{LISTED}\n{PLAIN}"}
    )
    assert SECRET in _database_text()


def _migrate_forward() -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_migration_seals_clear_proxies_stored_by_an_older_igdash() -> None:
    _migrate_back_and_store_clear_rows()
    _migrate_forward()

    dump = _database_text()
    assert SECRET not in dump and LIST_SECRET not in dump
    login = LoginCredential.objects.get(username="old")
    assert login.proxy_hint == MASKED
    assert pick_proxy(login) == PROXY
    assert proxies.proxy_list(AppSettings.load()) == [LISTED, PLAIN]


@pytest.mark.django_db(transaction=True)
def test_a_migration_while_the_vault_is_locked_seals_at_the_unlock(
    client: Client, settings: Any
) -> None:
    passphrase = "correct horse battery"
    settings.BOOT_SECRET = b"a" * 32
    vault.master_key()
    vault.set_passphrase(passphrase)
    vault.forget_key()  # a restart: locked until the passphrase is entered
    assert vault.is_locked()

    _migrate_back_and_store_clear_rows()
    _migrate_forward()  # cannot seal now, must not fail or lose the proxies
    login = LoginCredential.objects.get(username="old")
    assert login.proxy_hint == MASKED  # pages can show it meanwhile

    factories.logged_in(client)
    unlocked = client.post("/unlock/", {"passphrase": passphrase, "next": "/settings/"})
    assert unlocked.status_code == 302

    dump = _database_text()
    assert SECRET not in dump and LIST_SECRET not in dump
    assert pick_proxy(LoginCredential.objects.get(username="old")) == PROXY
    assert proxies.proxy_list(AppSettings.load()) == [LISTED, PLAIN]


@pytest.mark.slow
def test_after_the_upgrade_the_database_file_holds_no_clear_proxy(tmp_path: Path) -> None:
    """Real processes on a database file: a replaced row's old bytes must not
    stay behind in the file's free space or in the WAL."""
    data = tmp_path / "data"

    def manage(*args: str) -> str:
        done = run_manage(data, *args)
        assert done.returncode == 0, done.stderr
        return done.stdout

    manage("migrate")
    manage("shell", "-c", "from core.models import AppSettings; AppSettings.load()")
    manage("migrate", "accounts_app", "0005_iguser_one_username_index")
    manage("migrate", "igdash", "0005_viewers_group")
    # What an older igdash wrote: the proxies in clear.
    with closing(sqlite3.connect(data / "igdash.sqlite3")) as db, db:
        db.execute(
            "INSERT INTO accounts_app_logincredential (username, status, status_message,"
            " challenge_url, two_factor_identifier, proxy, is_active, created_at)"
            " VALUES ('old', 'unchecked', '', '', '', ?, 1, '2026-01-01 00:00:00')",
            [PROXY],
        )
        db.execute("UPDATE igdash_appsettings SET proxies = ?", [f"{LISTED}\n{PLAIN}"])
    files = lambda: b"".join(p.read_bytes() for p in data.glob("igdash.sqlite3*"))  # noqa: E731
    assert SECRET.encode() in files() and LIST_SECRET.encode() in files()

    manage("migrate")

    assert SECRET.encode() not in files() and LIST_SECRET.encode() not in files()
    opened = manage(
        "shell",
        "-c",
        "from accounts_app.models import LoginCredential as L; from core.models import "
        "AppSettings as A; from scraping.services.clients import pick_proxy; "
        "from accounts_app.proxies import proxy_list; "
        "print(pick_proxy(L.objects.get(username='old'))); print(proxy_list(A.load()))",
    )
    assert opened.splitlines()[-2:] == [PROXY, str([LISTED, PLAIN])]


@pytest.mark.parametrize(
    ("proxy", "no_check"),
    [("http://puser:SECRETpw@[::1", False), ("htp://puser:SECRETpw@host:1", True)],
)
def test_login_instagram_refuses_a_bad_proxy_before_storing_anything(
    monkeypatch: pytest.MonkeyPatch, proxy: str, no_check: bool
) -> None:
    # It used to leave a login behind without its proxy ("Invalid IPv6 URL"), or
    # store an address no client can use (--no-check); the page's form refused both.
    import io

    from django.core.management import CommandError, call_command

    monkeypatch.setattr("sys.stdin", io.StringIO("pw-not-checked\n"))
    flags = ["--no-check"] if no_check else []
    with pytest.raises(CommandError) as refused:
        call_command("login_instagram", "newlogin", "--password-stdin", "--proxy", proxy, *flags)
    assert "Not a proxy address" in str(refused.value)
    assert "SECRETpw" not in str(refused.value)
    assert not LoginCredential.objects.filter(username="newlogin").exists()
