"""Encryption of Instagram secrets: AES-256-GCM with a master key kept outside
the database.

Every blob carries its own random nonce, and the caller's `aad` (the record's
identity, e.g. "logincredential:7:password") is authenticated with it, so a
ciphertext copied onto another row fails to open. A wrong master key or an
altered blob fails closed with VaultError; nothing falls back to clear text.

The master key lives in the OS keyring (Windows Credential Manager, macOS
Keychain, Secret Service) when a backend exists, otherwise in a 0600 file in the
data folder. IGDASH_KEY_STORE=keyring|file forces one.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import threading
from base64 import b64decode, b64encode
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

log = logging.getLogger(__name__)

VERSION = b"v1"
NONCE_BYTES = 12
KEYRING_SERVICE = "igdash"


class VaultError(Exception):
    """A secret cannot be sealed or opened; the message says why and what to do."""


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


def key_store() -> str:
    """'keyring' or 'file': where the master key is (or will be) kept."""
    forced = os.environ.get("IGDASH_KEY_STORE", "auto").strip().lower()
    if forced in {"keyring", "file"}:
        return forced
    if key_file_path().is_file():
        return "file"  # a key already in the file keeps being used
    return "keyring" if _keyring_usable() else "file"


def master_key() -> bytes:
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
