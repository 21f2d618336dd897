from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings

from accounts_app import vault


@pytest.fixture(autouse=True)
def isolated_key(tmp_path: Path) -> Iterator[Path]:
    with override_settings(DATA_DIR=tmp_path, KEY_STORE="file"):
        vault.forget_key()
        yield tmp_path
        vault.forget_key()


def test_sealed_secret_opens_with_the_same_identity() -> None:
    blob = vault.seal("logincredential:1:password", "hunter2 😀".encode())
    assert b"hunter2" not in blob
    assert vault.open_("logincredential:1:password", blob).decode() == "hunter2 😀"


def test_same_secret_sealed_twice_differs() -> None:
    assert vault.seal("a", b"x") != vault.seal("a", b"x")


def test_ciphertext_moved_to_another_record_fails_closed() -> None:
    blob = vault.seal("logincredential:1:password", b"secret")
    with pytest.raises(vault.VaultError, match="cannot decrypt the secret for logincredential:2"):
        vault.open_("logincredential:2:password", blob)


def test_tampered_ciphertext_fails_closed() -> None:
    blob = bytearray(vault.seal("k", b"secret"))
    blob[-1] ^= 0x01
    with pytest.raises(vault.VaultError, match="altered"):
        vault.open_("k", bytes(blob))


def test_wrong_master_key_fails_closed(isolated_key: Path) -> None:
    blob = vault.seal("k", b"secret")
    vault.key_file_path().unlink()
    vault.forget_key()  # a new key is generated: the old blob must not open
    with pytest.raises(vault.VaultError, match="master key"):
        vault.open_("k", blob)


def test_key_file_is_private_to_the_owner(isolated_key: Path) -> None:
    vault.seal("k", b"x")
    assert vault.key_file_path().stat().st_mode & 0o777 == 0o600


def test_garbage_is_not_taken_for_a_ciphertext() -> None:
    with pytest.raises(vault.VaultError, match="not an igdash ciphertext"):
        vault.open_("k", b"plain text password")
