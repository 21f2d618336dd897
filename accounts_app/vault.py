"""Encryption of Instagram secrets: AES-256-GCM with a master key kept outside
the database.

Every blob carries its own random nonce, and the caller's `aad` (the record's
identity, e.g. "logincredential:7:password") is authenticated with it, so a
ciphertext copied onto another row fails to open. A wrong master key or an
altered blob fails closed with VaultError; nothing falls back to clear text.

The master key lives in the OS keyring (Windows Credential Manager, macOS
Keychain, Secret Service) when a backend exists, otherwise in a 0600 file in the
data folder. IGDASH_KEY_STORE=keyring|file forces one.

Passphrase mode (`igdash vault_passphrase --set`): the master key is kept only
wrapped (AES-GCM under a key derived from the passphrase with scrypt) in
<data>/master.key.wrapped. After a restart igdash is locked until the owner
enters the passphrase; the unlocked key is then shared with the worker through a
VaultUnlock row encrypted with the boot secret `serve` passed to its children
in memory (IGDASH_BOOT_SECRET), so it opens nothing after the next restart.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import threading
from base64 import b64decode, b64encode
from collections.abc import Callable
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

# Work that waits for the vault registers here; the unlock (igdash/vault_lock.py) runs it.
# accounts_app adds the sealing of proxies an older igdash stored in clear; scraping
# adds the resumption of scrapes whose login was locked.
AFTER_UNLOCK: list[Callable[[], object]] = []

log = logging.getLogger(__name__)

VERSION = b"v1"
NONCE_BYTES = 12
KEYRING_SERVICE = "igdash"


WRAPPED_AAD = b"igdash-master-key"
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
UNLOCK_AAD = b"igdash-vault-unlock"


class VaultError(Exception):
    """A secret cannot be sealed or opened; the message says why and what to do."""


class VaultLocked(VaultError):
    """Passphrase mode and nobody has entered the passphrase since the start."""

    def __init__(self) -> None:
        super().__init__("igdash is locked: enter the passphrase on any page to unlock it.")


class WrongPassphrase(VaultError):
    def __init__(self) -> None:
        super().__init__("That passphrase does not unlock igdash.")


class NoPassphrase(VaultError):
    """Passphrase mode is off: the key is not wrapped, nothing to unlock."""

    def __init__(self) -> None:
        super().__init__("igdash has no passphrase set: there is nothing to unlock.")


class _KeyHolder:
    def __init__(self) -> None:
        self.key: bytes | None = None
        self.source: str = ""
        self.lock = threading.Lock()


_holder = _KeyHolder()


def _keyring_username() -> str:
    # One key per data folder: two igdash installs on one machine do not share it.
    digest = hashlib.sha256(str(settings.DATA_DIR).encode()).hexdigest()[:16]
    return f"master-key-{digest}"


def _keyring_usable() -> bool:
    try:
        import keyring
        from keyring.backends import fail, null

        backend = keyring.get_keyring()
        return not isinstance(backend, fail.Keyring | null.Keyring)
    except Exception:
        return False


def key_file_path() -> Path:
    return Path(settings.DATA_DIR) / "master.key"


def _load_from_file(create: bool) -> bytes | None:
    path = key_file_path()
    if path.is_file():
        key = b64decode(path.read_text(encoding="ascii").strip())
        if len(key) != 32:
            raise VaultError(f"{path} does not hold a 256-bit key; restore it from a backup.")
        return key
    if not create:
        return None
    key = AESGCM.generate_key(bit_length=256)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(b64encode(key).decode())
    return key


def _load_from_keyring(create: bool) -> bytes | None:
    import keyring

    stored = keyring.get_password(KEYRING_SERVICE, _keyring_username())
    if stored:
        return b64decode(stored)
    if not create:
        return None
    key = AESGCM.generate_key(bit_length=256)
    keyring.set_password(KEYRING_SERVICE, _keyring_username(), b64encode(key).decode())
    return key


def wrapped_key_path() -> Path:
    return Path(settings.DATA_DIR) / "master.key.wrapped"


def passphrase_mode() -> bool:
    return wrapped_key_path().is_file()


def _kek(passphrase: str, salt: bytes) -> bytes:
    return hashlib.scrypt(
        passphrase.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, maxmem=2**26, dklen=32
    )


def _unwrap(passphrase: str) -> bytes:
    try:
        blob = json.loads(wrapped_key_path().read_text(encoding="ascii"))
    except FileNotFoundError:
        raise NoPassphrase() from None
    try:
        return AESGCM(_kek(passphrase, b64decode(blob["salt"]))).decrypt(
            b64decode(blob["nonce"]), b64decode(blob["wrapped"]), WRAPPED_AAD
        )
    except InvalidTag:
        raise WrongPassphrase() from None


def _boot_secret() -> bytes | None:
    return settings.BOOT_SECRET  # checked (32 bytes, base64) by settings.py


def _from_published_unlock() -> bytes | None:
    from core.models import VaultUnlock

    secret = _boot_secret()
    row = VaultUnlock.objects.filter(pk=VaultUnlock.SINGLETON_PK).first()
    if secret is None or row is None:
        return None
    raw = bytes(row.sealed_key)
    try:
        return AESGCM(secret).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], UNLOCK_AAD)
    except InvalidTag:
        return None  # sealed by an earlier boot


def is_locked() -> bool:
    if not passphrase_mode():
        return False
    with _holder.lock:
        if _holder.key is not None:
            return False
        key = _from_published_unlock()
        if key is not None:
            _holder.key, _holder.source = key, "passphrase"
        return key is None


def unlock(passphrase: str) -> None:
    """Open the wrapped key and share it with this boot's other processes."""
    from core.models import VaultUnlock

    key = _unwrap(passphrase)
    secret = _boot_secret()
    if secret is not None:
        nonce = secrets.token_bytes(NONCE_BYTES)
        VaultUnlock.objects.update_or_create(
            pk=VaultUnlock.SINGLETON_PK,
            defaults={"sealed_key": nonce + AESGCM(secret).encrypt(nonce, key, UNLOCK_AAD)},
        )
    with _holder.lock:
        _holder.key, _holder.source = key, "passphrase"


def set_passphrase(passphrase: str) -> None:
    """Enter passphrase mode: wrap the current master key, remove its plain copy."""
    if len(passphrase) < 10:
        raise VaultError("Choose a passphrase of at least 10 characters.")
    key = master_key()
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(NONCE_BYTES)
    payload = {
        "kdf": "scrypt",
        "n": SCRYPT_N,
        "r": SCRYPT_R,
        "p": SCRYPT_P,
        "salt": b64encode(salt).decode(),
        "nonce": b64encode(nonce).decode(),
        "wrapped": b64encode(
            AESGCM(_kek(passphrase, salt)).encrypt(nonce, key, WRAPPED_AAD)
        ).decode(),
    }
    path = wrapped_key_path()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        json.dump(payload, handle)
    if key_file_path().is_file():
        key_file_path().unlink()
    if _keyring_usable():
        import keyring

        try:
            keyring.delete_password(KEYRING_SERVICE, _keyring_username())
        except Exception:
            log.info("no master key in the keyring to remove")


def remove_passphrase(passphrase: str) -> None:
    """Leave passphrase mode: put the key back in the keyring or key file."""
    key = _unwrap(passphrase)
    wrapped_key_path().unlink()
    if key_store() == "keyring":
        import keyring

        keyring.set_password(KEYRING_SERVICE, _keyring_username(), b64encode(key).decode())
    else:
        fd = os.open(key_file_path(), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(b64encode(key).decode())
    with _holder.lock:
        _holder.key, _holder.source = key, key_store()


def describe_key_store() -> str:
    """What Settings shows: where the master key is kept."""
    if passphrase_mode():
        return "passphrase (locked)" if is_locked() else "passphrase (unlocked)"
    return {"keyring": "OS keyring", "file": f"key file {key_file_path()}"}[key_store()]


def key_store() -> str:
    """'keyring' or 'file': where the master key is (or will be) kept."""
    forced = settings.KEY_STORE
    if forced in {"keyring", "file"}:
        return forced
    if key_file_path().is_file():
        return "file"  # a key already in the file keeps being used
    return "keyring" if _keyring_usable() else "file"


def master_key() -> bytes:
    if passphrase_mode() and is_locked():
        raise VaultLocked()
    with _holder.lock:
        if _holder.key is None:
            store = key_store()
            loader = _load_from_keyring if store == "keyring" else _load_from_file
            key = loader(create=True)
            assert key is not None
            _holder.key, _holder.source = key, store
        return _holder.key


def forget_key() -> None:
    """Drop the cached key (tests; a changed key store)."""
    with _holder.lock:
        _holder.key, _holder.source = None, ""


def seal(aad: str, data: bytes) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    return VERSION + nonce + AESGCM(master_key()).encrypt(nonce, data, aad.encode())


def open_(aad: str, blob: bytes | memoryview) -> bytes:
    raw = bytes(blob)
    if not raw.startswith(VERSION) or len(raw) < len(VERSION) + NONCE_BYTES + 16:
        raise VaultError(f"the stored secret for {aad} is not an igdash ciphertext")
    nonce = raw[len(VERSION) : len(VERSION) + NONCE_BYTES]
    try:
        return AESGCM(master_key()).decrypt(nonce, raw[len(VERSION) + NONCE_BYTES :], aad.encode())
    except InvalidTag:
        raise VaultError(
            f"cannot decrypt the secret for {aad}: the master key ({_holder.source or key_store()})"
            " is not the one it was sealed with, or the stored data was altered. Restore the"
            " key, or remove the login and add it again."
        ) from None
