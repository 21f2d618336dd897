"""Proxy addresses are secrets: `scheme://user:pass@host:port` carries the
proxy's password. A login's own proxy and the owner's proxy list are sealed
with the vault like passwords (AES-256-GCM, bound to their row by the AAD) and
opened only where a client is built (scraping/services/clients.py).

Next to each ciphertext a masked copy is kept in clear, `scheme://***@host:port`
(no credentials, so nothing secret): what pages and the admin show, also while
passphrase mode is locked.

The *_unsealed columns hold what an older igdash stored in clear, only until it
can be sealed: the data migration seals it at once when the vault opens; in
passphrase mode, locked during the upgrade, the next unlock does
(docs/decisions.md, "Private files and sealed proxies").
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.core.exceptions import FieldDoesNotExist

from accounts_app import vault

if TYPE_CHECKING:
    from accounts_app.models import LoginCredential
    from core.models import AppSettings

log = logging.getLogger(__name__)

MASK = "***"
APP_SETTINGS_AAD = "appsettings:1:proxies"


def mask(address: str) -> str:
    """`scheme://***@host:port` when the address has credentials, else the
    address as typed. Any path or query is dropped: a proxy has none, and a
    mistyped address may hide a password there."""
    address = address.strip()
    scheme, sep, rest = address.partition("://")
    if not sep:
        return f"{MASK}@{address.rsplit('@', 1)[1]}" if "@" in address else address
    netloc = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rsplit('@', 1)[1]}"
    return f"{scheme}://{netloc}"


PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


def is_proxy_address(address: str) -> bool:
    """scheme://[user:pass@]host:port with a scheme the clients speak."""
    try:
        parts = urlsplit(address.strip())
        port = parts.port
    except ValueError:
        return False
    return parts.scheme in PROXY_SCHEMES and bool(parts.hostname) and port is not None


def check_address(address: str) -> None:
    """ValueError naming the (masked) address unless it is a proxy address or blank."""
    if address.strip() and not is_proxy_address(address):
        raise ValueError(
            f"Not a proxy address: {mask(address)}. Use scheme://[user:pass@]host:port "
            f"with {', '.join(PROXY_SCHEMES)}."
        )


def has_credentials(address: str) -> bool:
    return "@" in address


def is_masked(address: str) -> bool:
    """Whether the address carries our mask where its user and password go
    (a real password may well contain stars; only the whole mask is refused)."""
    netloc = address.partition("://")[2].split("/", 1)[0]
    return netloc.rpartition("@")[0] == MASK


def login_aad(pk: int) -> str:
    return f"logincredential:{pk}:proxy"


# --- A login's own proxy ----------------------------------------------------------


def set_login_proxy(login: LoginCredential, address: str) -> None:
    """Seal `address` (blank: no proxy) into the login; the caller saves it."""
    address = address.strip()
    login.proxy_enc = vault.seal(login_aad(login.pk), address.encode()) if address else None
    login.proxy_hint = mask(address)
    login.proxy_unsealed = ""


def login_proxy(login: LoginCredential) -> str | None:
    """The login's own proxy in clear, for a client: never for a page."""
    if login.proxy_unsealed:  # stored by an older igdash, not sealed yet
        return login.proxy_unsealed
    if not login.proxy_enc:
        return None
    return vault.open_(login_aad(login.pk), login.proxy_enc).decode()


# --- The owner's proxy list ---------------------------------------------------------


def set_proxy_list(app: AppSettings, addresses: Iterable[str]) -> None:
    lines = [line.strip() for line in addresses if line.strip()]
    text = "\n".join(lines)
    app.proxies_enc = vault.seal(APP_SETTINGS_AAD, text.encode()) if lines else None
    app.proxies_hint = "\n".join(mask(line) for line in lines)
    app.proxies_unsealed = ""


def proxy_list(app: AppSettings) -> list[str]:
    if app.proxies_unsealed:
        text = app.proxies_unsealed
    elif app.proxies_enc:
        text = vault.open_(APP_SETTINGS_AAD, app.proxies_enc).decode()
    else:
        return []
    return [line.strip() for line in text.splitlines() if line.strip()]


def keep_masked(lines: list[str], stored: list[str]) -> tuple[list[str], list[str]]:
    """The Settings form shows stored proxies masked; a masked line sent back
    stands for the stored proxy it masks (in order, should two mask alike).
    Returns (addresses, masked lines that match nothing stored)."""
    unused = list(stored)
    addresses: list[str] = []
    unmatched: list[str] = []
    for line in lines:
        match = next((s for s in unused if has_credentials(s) and mask(s) == line), None)
        if match is not None:
            unused.remove(match)
            addresses.append(match)
        elif is_masked(line):
            unmatched.append(line)
        else:
            addresses.append(line)
    return addresses, unmatched


# --- Sealing what an older igdash stored in clear ----------------------------------


def _overwrite_freed_space() -> None:
    """SQLite keeps a replaced row's bytes in the page's free space (and the
    WAL) until reused: with secure_delete the clear proxy is zeroed instead.
    Set for this connection only; igdash's own writes do not need it."""
    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete=ON")


def forget_old_pages() -> None:
    """Copy the WAL into the database and empty it, so no earlier version of a
    sealed row stays in it (best effort: a reader elsewhere may keep it)."""
    from django.db import connection

    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def seal_login_rows(login_model: Any) -> tuple[int, int]:
    """Seal the logins' clear proxies (`login_model` may be a migration's
    historical model). Returns (sealed, left in clear because the vault cannot be
    opened now); masked copies are written either way, so pages show them."""
    sealed = waiting = 0
    pending = login_model.objects.exclude(proxy_unsealed="").only("pk", "proxy_unsealed")
    if pending.exists():
        _overwrite_freed_space()
    for login in pending:
        clear = login.proxy_unsealed.strip()
        try:
            blob = vault.seal(login_aad(login.pk), clear.encode()) if clear else None
        except vault.VaultError:
            waiting += 1
            login_model.objects.filter(pk=login.pk).update(proxy_hint=mask(clear))
            continue
        login_model.objects.filter(pk=login.pk).update(
            proxy_enc=blob, proxy_hint=mask(clear), proxy_unsealed=""
        )
        sealed += 1
    return sealed, waiting


def seal_app_rows(app_model: Any) -> tuple[int, int]:
    """The same for the owner's proxy list."""
    sealed = waiting = 0
    pending = app_model.objects.exclude(proxies_unsealed="").only("pk", "proxies_unsealed")
    if pending.exists():
        _overwrite_freed_space()
    for app in pending:
        lines = [line.strip() for line in app.proxies_unsealed.splitlines() if line.strip()]
        hint = "\n".join(mask(line) for line in lines)
        try:
            blob = vault.seal(APP_SETTINGS_AAD, "\n".join(lines).encode()) if lines else None
        except vault.VaultError:
            waiting += 1
            app_model.objects.filter(pk=app.pk).update(proxies_hint=hint)
            continue
        app_model.objects.filter(pk=app.pk).update(
            proxies_enc=blob, proxies_hint=hint, proxies_unsealed=""
        )
        sealed += 1
    return sealed, waiting


# Set by the migrations, read by seal_pending() after the migrate (post_migrate):
# a checkpoint cannot run inside the migration's transaction.
_sealed_by_migration: set[str] = set()


def report_migration(what: str, sealed: int, waiting: int) -> None:
    if sealed:
        _sealed_by_migration.add(what)
    if waiting:
        log.warning(
            "%d %s stay stored in clear for now: the vault is locked (passphrase mode). They "
            "are sealed as soon as the passphrase is entered.",
            waiting,
            what,
        )


def unseal_login_rows(login_model: Any) -> None:
    """Reverse of the migration: back to the clear column an older igdash reads."""
    for login in login_model.objects.exclude(proxy_enc=None).only("pk", "proxy_enc"):
        clear = vault.open_(login_aad(login.pk), login.proxy_enc).decode()
        login_model.objects.filter(pk=login.pk).update(proxy_unsealed=clear, proxy_enc=None)


def unseal_app_rows(app_model: Any) -> None:
    for app in app_model.objects.exclude(proxies_enc=None).only("pk", "proxies_enc"):
        clear = vault.open_(APP_SETTINGS_AAD, app.proxies_enc).decode()
        app_model.objects.filter(pk=app.pk).update(proxies_unsealed=clear, proxies_enc=None)


def seal_pending(apps: Any = None) -> int:
    """After an unlock (accounts_app.vault.AFTER_UNLOCK) and after every migrate: seal
    what the migration had to leave in clear. Returns how many rows it sealed.

    `apps`: the models as a migrate left them (post_migrate); nothing is done
    when that is a schema from before the sealing (a migration backwards)."""
    if apps is None:
        from django.apps import apps
    try:
        login_model = apps.get_model("accounts_app", "LoginCredential")
        app_model = apps.get_model("igdash", "AppSettings")
        login_model._meta.get_field("proxy_enc")
        app_model._meta.get_field("proxies_enc")
    except (LookupError, FieldDoesNotExist):
        return 0
    if vault.is_locked():
        return 0
    results = [seal_login_rows(login_model), seal_app_rows(app_model)]
    sealed, waiting = sum(r[0] for r in results), sum(r[1] for r in results)
    if sealed or _sealed_by_migration:
        forget_old_pages()
        _sealed_by_migration.clear()
    if sealed:
        log.info("sealed %d proxy settings stored in clear by an older igdash", sealed)
    if waiting:
        log.warning("%d proxy settings are still stored in clear: the vault cannot seal", waiting)
    return sealed
