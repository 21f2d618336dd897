"""Passphrase mode: the master key is only kept wrapped; after a restart (a new
boot secret) igdash is locked until the passphrase is entered."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client, override_settings

from accounts_app import vault

pytestmark = pytest.mark.django_db

PASSPHRASE = "correct horse battery staple"


@pytest.fixture(autouse=True)
def isolated_vault(tmp_path: Path) -> Iterator[Path]:
    with override_settings(DATA_DIR=tmp_path, KEY_STORE="file", BOOT_SECRET=b"a" * 32):
        vault.forget_key()
        yield tmp_path
        vault.forget_key()


def _restart(monkeypatch: pytest.MonkeyPatch, boot: bytes = b"b" * 32) -> None:
    """What a restart does to the vault: a new boot secret, nothing cached."""
    monkeypatch.setattr(settings, "BOOT_SECRET", boot)
    vault.forget_key()


def test_secrets_survive_passphrase_mode_and_the_plain_key_is_gone(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    blob = vault.seal("k", b"secret")
    vault.set_passphrase(PASSPHRASE)
    assert not vault.key_file_path().exists()
    assert b"secret" not in vault.wrapped_key_path().read_bytes()
    _restart(monkeypatch)
    assert vault.is_locked()
    with pytest.raises(vault.VaultLocked):
        vault.open_("k", blob)
    vault.unlock(PASSPHRASE)
    assert vault.open_("k", blob) == b"secret"


def test_wrong_passphrase_is_refused(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    vault.seal("k", b"x")
    vault.set_passphrase(PASSPHRASE)
    _restart(monkeypatch)
    with pytest.raises(vault.WrongPassphrase):
        vault.unlock("not it at all")
    assert vault.is_locked()


def test_unlock_in_one_process_opens_the_vault_for_its_siblings(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    blob = vault.seal("k", b"secret")
    vault.set_passphrase(PASSPHRASE)
    _restart(monkeypatch)
    vault.unlock(PASSPHRASE)  # the web process
    vault.forget_key()  # the worker: same boot secret, nothing cached
    assert not vault.is_locked()
    assert vault.open_("k", blob) == b"secret"
    _restart(monkeypatch, boot=b"c" * 32)  # the next boot
    assert vault.is_locked()


def test_short_passphrases_are_refused() -> None:
    with pytest.raises(vault.VaultError, match="at least 10 characters"):
        vault.set_passphrase("short")
    assert not vault.passphrase_mode()


def test_every_page_shows_the_unlock_modal_until_unlocked(monkeypatch, settings) -> None:  # type: ignore[no-untyped-def]
    settings.LOGIN_MAX_FAILURES = 3
    vault.seal("k", b"x")
    vault.set_passphrase(PASSPHRASE)
    _restart(monkeypatch)
    client = Client()
    client.force_login(User.objects.create_superuser("owner", "", "pw"))
    page = client.get("/")
    assert page.status_code == 200
    assert 'id="unlock-modal"' in page.content.decode()
    assert "Test the background worker" not in page.content.decode()
    htmx = client.get("/system/ping/1/", HTTP_HX_REQUEST="true")
    assert htmx["HX-Refresh"] == "true"

    wrong = client.post("/unlock/", {"passphrase": "nope", "next": "/"})
    assert "does not unlock igdash" in wrong.content.decode()
    client.post("/unlock/", {"passphrase": "nope", "next": "/"})
    client.post("/unlock/", {"passphrase": "nope", "next": "/"})
    throttled = client.post("/unlock/", {"passphrase": PASSPHRASE, "next": "/"})
    assert throttled.status_code == 429
    assert "Too many wrong passphrases" in throttled.content.decode()
    assert vault.is_locked()


def test_right_passphrase_unlocks_and_runs_the_waiting_work(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ran: list[str] = []
    monkeypatch.setattr(vault, "AFTER_UNLOCK", [lambda: ran.append("resumed")])
    vault.seal("k", b"x")
    vault.set_passphrase(PASSPHRASE)
    _restart(monkeypatch)
    client = Client()
    client.force_login(User.objects.create_superuser("owner", "", "pw"))
    response = client.post("/unlock/", {"passphrase": PASSPHRASE, "next": "/"})
    assert response.status_code == 302
    assert ran == ["resumed"]
    assert "Test the background worker" in client.get("/").content.decode()


def test_unlock_refuses_to_redirect_off_site(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    vault.seal("k", b"x")
    vault.set_passphrase(PASSPHRASE)
    _restart(monkeypatch)
    client = Client()
    client.force_login(User.objects.create_superuser("owner", "", "pw"))
    response = client.post("/unlock/", {"passphrase": PASSPHRASE, "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_a_new_instagram_secret_is_refused_while_locked_and_nothing_is_sent(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from accounts_app.models import LoginCredential
    from scraping.services import logins

    vault.set_passphrase(PASSPHRASE)
    _restart(monkeypatch)
    # No Instagram answers here: any request would fail with another message.
    with override_settings(
        INSTAGRAM_API_URL="http://127.0.0.1:9", INSTAGRAM_WEB_URL="http://127.0.0.1:9"
    ):
        outcome = logins.add_secret("demo_owner", password="pw")

    assert not outcome.ok and not outcome.stored
    assert outcome.message.startswith("igdash is locked")
    assert not LoginCredential.objects.exists()
