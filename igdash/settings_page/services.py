"""What the Settings page does and shows: saving the owner's AppSettings, adding
and checking Instagram logins, backing up now, and the context of each panel
(the views are in views.py)."""

from __future__ import annotations

import datetime as dt
import secrets
import sqlite3
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.template.defaultfilters import filesizeformat

from accounts_app import vault
from accounts_app.models import LoginCredential
from api import tokens as api_tokens
from api.models import ApiToken
from audience.pages import classifier_settings
from core.models import AppSettings
from exports.backups.archives import BackupError, create_backup, list_archives
from igdash.forms import AppSettingsForm, InstagramLoginForm
from igdash.schedule import ensure_schedule
from notify.pages import channels_context
from scraping.services import logins

ARCHIVES_SHOWN = 30


@dataclass(frozen=True)
class LoginRow:
    login: LoginCredential
    challenge_link: str
    proxy_masked: str
    code_error: str = ""
    focus: bool = False


@dataclass(frozen=True)
class ArchiveRow:
    name: str
    size: int
    created_at: dt.datetime


def save(form: AppSettingsForm) -> AppSettings:
    """Store the settings; a new refresh time reaches the beat schedule at once
    (django-celery-beat reads it from the database)."""
    saved = form.save()
    if "refresh_time" in form.changed_data:
        ensure_schedule()
    return saved


def add_login(form: InstagramLoginForm) -> logins.Outcome:
    """Try the typed secret with a fresh Instagram login and store it (sealed)
    when it works; a refusal becomes an error on the field to correct, and a
    login that was working keeps its previous secret (logins.add_secret)."""
    data = form.cleaned_data
    outcome = logins.add_secret(data["username"], proxy=data["proxy"], **form.secrets())
    if not outcome.stored:
        form.add_error(outcome.field or None, outcome.message)
    return outcome


def back_up_now() -> tuple[str, str]:
    """Make an archive now (the nightly task also prunes; this only adds one).
    Returns (what was made, why it failed)."""
    try:
        path = create_backup()
    except (BackupError, OSError, DatabaseError, sqlite3.Error) as exc:
        return "", f"The backup failed: {exc}"
    return f"Backed up to {path.name} ({filesizeformat(path.stat().st_size)}).", ""


def archives() -> tuple[list[ArchiveRow], int, str]:
    """The newest archives, how many older ones are not listed, and an error."""
    try:
        found = list_archives()[::-1]
        rows = [
            ArchiveRow(a.path.name, a.path.stat().st_size, a.created_at)
            for a in found[:ARCHIVES_SHOWN]
        ]
    except (OSError, ValueError) as exc:  # ValueError: a date no calendar has in a name
        return [], 0, f"The backups cannot be listed: {exc}"
    return rows, max(0, len(found) - ARCHIVES_SHOWN), ""


def challenge_link(login: LoginCredential) -> str:
    url = login.challenge_url.strip()
    if url.startswith(("https://", "http://")):
        return url
    if url.startswith("/"):  # Instagram sends the path of its web page
        return settings.INSTAGRAM_WEB_URL + url
    return ""


def logins_context(
    *,
    form: InstagramLoginForm | None = None,
    notice: str = "",
    code_errors: dict[int, str] | None = None,
    focus: int | None = None,
) -> dict[str, Any]:
    code_errors = code_errors or {}
    rows = [
        LoginRow(
            login,
            challenge_link(login),
            login.proxy_hint,  # scheme://***@host:port: the address is sealed
            code_errors.get(login.pk, ""),
            login.pk == focus,
        )
        for login in LoginCredential.objects.order_by("username")
    ]
    form = form or InstagramLoginForm()
    return {
        "login_rows": rows,
        "login_form": form,
        "login_form_focus": next(iter(form.errors), None) if form.is_bound else None,
        "logins_notice": notice,
    }


def backups_context(*, notice: str = "", error: str = "") -> dict[str, Any]:
    rows, older, read_error = archives()
    return {
        "archives": rows,
        "older_archives": older,
        "backup_notice": notice,
        "backup_error": error or read_error,
        "backup_dir": settings.BACKUP_DIR,
        "retention_days": AppSettings.load().backup_retention_days,
    }


def tokens_context(
    *, created: str = "", created_name: str = "", error: str = "", notice: str = "", typed: str = ""
) -> dict[str, Any]:
    """The API tokens panel. `created`: a token just made, shown this once.
    Each rendering of the form carries a new nonce: a form sent twice (a
    refresh of the page its POST answered, without JavaScript) makes one token."""
    return {
        "token_form_nonce": secrets.token_urlsafe(16),
        "api_tokens": api_tokens.listing(),
        "token_created": created,
        "token_created_name": created_name,
        "token_error": error,
        "token_notice": notice,
        "token_typed": typed,
        "scopes": ApiToken.Scope.choices,
    }


def page_context(
    form: AppSettingsForm | None = None, tokens: dict[str, Any] | None = None, **login_state: Any
) -> dict[str, Any]:
    return {
        "form": form or AppSettingsForm(instance=AppSettings.load()),
        "key_store": vault.describe_key_store(),
        "cache_hours": settings.INSTAGRAM_CACHE_HOURS,
        **logins_context(**login_state),
        **backups_context(),
        **channels_context(),
        **classifier_settings(),
        **(tokens or tokens_context()),
    }
