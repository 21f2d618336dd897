"""The Settings page: the owner's AppSettings, the Instagram logins (add one,
enter a 2FA code, check again, remove), where the master key is kept, and the
backups.

Every login action answers the whole logins panel to HTMX (the list and the
add form change together); without JavaScript it redirects back to the page,
or renders the page with the inline error. Secrets typed into a form are never
rendered back.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts_app.models import LoginCredential
from api import tokens as api_tokens
from core.htmx import HtmxHttpRequest
from core.models import AppSettings
from igdash.forms import AppSettingsForm, InstagramLoginForm, TwoFactorCodeForm
from igdash.settings_page.services import (
    add_login,
    back_up_now,
    backups_context,
    logins_context,
    page_context,
    save,
    tokens_context,
)
from scraping.services import logins

TEMPLATE = "igdash/settings.html"


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


@require_http_methods(["GET", "POST"])
def settings_view(request: HtmxHttpRequest) -> HttpResponse:
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


def _tokens_answer(request: HtmxHttpRequest, **context: Any) -> HttpResponse:
    """The API tokens panel to HTMX, else the whole page; never a redirect with
    a message: a new token would sit in the session's message store."""
    state = tokens_context(**context)
    if request.htmx:
        return render(request, f"{TEMPLATE}#api_tokens", state)
    return render(request, TEMPLATE, page_context(tokens=state))


def _expires_days(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 5:
        raise api_tokens.TokenError("Expires after: a whole number of days, or empty for never.")
    return int(text)


# The nonces of the token forms this session has sent (the newest few).
_SENT_TOKEN_FORMS = "token_forms_sent"  # noqa: S105 (a session key, not a secret)
_SENT_KEPT = 20


@require_POST
def token_create(request: HtmxHttpRequest) -> HttpResponse:
    name = request.POST.get("name", "")
    nonce = request.POST.get("form_nonce", "")[:64]
    sent: list[str] = request.session.get(_SENT_TOKEN_FORMS, [])
    if nonce and nonce in sent:
        return _tokens_answer(
            request,
            error=(
                "This form was sent already (a reload, or Back and send, repeats it), so no "
                "second token was made. Its token was shown once; if you did not copy it, "
                "revoke it and create another."
            ),
        )
    try:
        row, token = api_tokens.create(
            name,
            request.POST.get("scope", "read"),
            _expires_days(request.POST.get("expires_days", "")),
        )
    except api_tokens.TokenError as exc:
        return _tokens_answer(request, error=str(exc), typed=name[:64])
    if nonce:
        request.session[_SENT_TOKEN_FORMS] = [*sent, nonce][-_SENT_KEPT:]
    return _tokens_answer(request, created=token, created_name=row.name)


@require_POST
def token_revoke(request: HtmxHttpRequest, token_id: int) -> HttpResponse:
    row = api_tokens.revoke_id(token_id)
    if row is None:
        return _tokens_answer(request, error="That token is gone already.")
    return _tokens_answer(request, notice=f"Revoked {row.name}: it no longer opens the API.")
