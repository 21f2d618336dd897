"""Creating, checking and revoking API tokens. The token itself is shown once,
when it is made; igdash keeps its SHA-256 only (api/models.py)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from api.models import ApiToken

PREFIX = "igd_"
# A token: the prefix and 43 characters of URL-safe base64 (32 random bytes).
TOKEN_RE = re.compile(r"igd_[A-Za-z0-9_-]{43}")
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}")
MAX_EXPIRES_DAYS = 3650
# last_used_at is written at most this often per token: a write per request
# would take SQLite's write lock for every call of a busy script.
LAST_USED_EVERY = dt.timedelta(seconds=60)


class TokenError(ValueError):
    """The token cannot be made or changed as asked; str() says why, in one line."""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def clean_name(name: str) -> str:
    name = (name or "").strip()
    if not NAME_RE.fullmatch(name):
        raise TokenError(
            "A token name is 1-64 letters, digits, spaces, periods, underscores or hyphens, "
            "starting with a letter or digit."
        )
    return name


def create(
    name: str, scope: str = ApiToken.Scope.READ, expires_days: int | None = None
) -> tuple[ApiToken, str]:
    """A new token: its row and the token itself (shown once, never stored)."""
    name = clean_name(name)
    if scope not in ApiToken.Scope.values:
        raise TokenError(f"The scope is read or write, not {scope[:20]!r}.")
    expires_at = None
    if expires_days is not None:
        if not 1 <= expires_days <= MAX_EXPIRES_DAYS:
            raise TokenError(f"--expires-days is a number of days from 1 to {MAX_EXPIRES_DAYS}.")
        expires_at = timezone.now() + dt.timedelta(days=expires_days)
    token = PREFIX + secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            row = ApiToken.objects.create(
                name=name,
                token_hash=digest(token),
                prefix=token[:8],
                scope=scope,
                expires_at=expires_at,
            )
    except IntegrityError:
        raise TokenError(f"A token named {name!r} exists already; choose another name.") from None
    return row, token


def find(token: str) -> ApiToken | None:
    """The token's row when it is one igdash made and still valid, else None."""
    if not TOKEN_RE.fullmatch(token):
        return None
    row = ApiToken.objects.filter(token_hash=digest(token)).first()
    if row is None or row.state() != "active":
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now
    return row


def revoke(name: str) -> ApiToken:
    row = ApiToken.objects.filter(name=name.strip()).first()
    if row is None:
        raise TokenError(f"No API token is named {name.strip()[:64]!r}.")
    if row.revoked_at is None:
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at"])
    return row


def revoke_id(token_id: int) -> ApiToken | None:
    row = ApiToken.objects.filter(pk=token_id).first()
    if row is not None and row.revoked_at is None:
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at"])
    return row


def listing() -> list[ApiToken]:
    return list(ApiToken.objects.order_by("revoked_at", "name"))
