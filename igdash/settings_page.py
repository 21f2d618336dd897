"""The Settings page: the owner's AppSettings, the Instagram logins (add one,
enter a 2FA code, check again, remove), where the master key is kept, and the
backups.

Every login action answers the whole logins panel to HTMX (the list and the
add form change together); without JavaScript it redirects back to the page,
or renders the page with the inline error. Secrets typed into a form are never
rendered back.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts_app import vault
from accounts_app.models import LoginCredential
from core.htmx import HtmxHttpRequest
from core.models import AppSettings
from exports import backup
from igdash.forms import AppSettingsForm, InstagramLoginForm, TwoFactorCodeForm
from igdash.schedule import ensure_schedule
from scraping.services import logins

TEMPLATE = "igdash/settings.html"
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


# --- Services of the page -----------------------------------------------------------


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
        path = backup.create_backup()
    except (backup.BackupError, OSError, DatabaseError, sqlite3.Error) as exc:
        return "", f"The backup failed: {exc}"
    return f"Backed up to {path.name} ({filesizeformat(path.stat().st_size)}).", ""


def archives() -> tuple[list[ArchiveRow], int, str]:
    """The newest archives, how many older ones are not listed, and an error."""
    try:
        found = backup.list_archives()[::-1]
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


# --- Context --------------------------------------------------------------------------


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


def page_context(form: AppSettingsForm | None = None, **login_state: Any) -> dict[str, Any]:
    return {
        "form": form or AppSettingsForm(instance=AppSettings.load()),
        "key_store": vault.describe_key_store(),
        **logins_context(**login_state),
        **backups_context(),
    }


def _logins_answer(
    request: HtmxHttpRequest, *, error: bool = False, notice: str = "", **context: Any
) -> HttpResponse:
    """HTMX gets the panel; a plain form post gets the page with its error, or
    goes back to the page with the notice."""
    if request.htmx:
        return render(request, f"{TEMPLATE}#logins", logins_context(notice=notice, **context))
    if error:
        return render(request, TEMPLATE, page_context(**context))
    messages.success(request, notice)
    return redirect(reverse("settings") + "#logins")


# --- Views ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest) -> HttpResponse:
    form = AppSettingsForm(request.POST or None, instance=AppSettings.load())
    if request.method == "POST" and form.is_valid():
        save(form)
        messages.success(request, "Settings saved.")
        return redirect("settings")
    return render(request, TEMPLATE, page_context(form))


@require_POST
def login_add(request: HtmxHttpRequest) -> HttpResponse:
    form = InstagramLoginForm(request.POST)
    if not form.is_valid():
        return _logins_answer(request, error=True, form=form)
    outcome = add_login(form)
    if not outcome.stored or outcome.login is None:
        return _logins_answer(request, error=True, form=form)
    login = outcome.login
    notice = f"Stored @{login.username} and checked it: {login.get_status_display()}."
    return _logins_answer(request, notice=notice, focus=login.pk)


@require_POST
def login_code(request: HtmxHttpRequest, login_id: int) -> HttpResponse:
    login = get_object_or_404(LoginCredential, pk=login_id)
    form = TwoFactorCodeForm(request.POST)
    if form.is_valid():
        login = logins.check_login(login, code=form.cleaned_data["code"])
        if login.status != LoginCredential.Status.NEEDS_2FA:
            notice = f"@{login.username}: {login.get_status_display()}."
            return _logins_answer(request, notice=notice, focus=login.pk)
    error = form.errors["code"][0] if form.errors else login.status_message
    return _logins_answer(request, error=True, code_errors={login.pk: error}, focus=login.pk)


@require_POST
def login_check(request: HtmxHttpRequest, login_id: int) -> HttpResponse:
    login = logins.check_login(get_object_or_404(LoginCredential, pk=login_id))
    notice = f"Checked @{login.username}: {login.get_status_display()}."
    return _logins_answer(request, notice=notice, focus=login.pk)


@require_POST
def login_remove(request: HtmxHttpRequest, login_id: int) -> HttpResponse:
    login = get_object_or_404(LoginCredential, pk=login_id)
    login.delete()
    notice = f"Removed @{login.username}: its password and session are gone from igdash."
    return _logins_answer(request, notice=notice)


@require_POST
def backup_now(request: HtmxHttpRequest) -> HttpResponse:
    notice, error = back_up_now()
    if request.htmx:
        return render(request, f"{TEMPLATE}#backups", backups_context(notice=notice, error=error))
    messages.add_message(request, messages.ERROR if error else messages.SUCCESS, error or notice)
    return redirect(reverse("settings") + "#backups")
