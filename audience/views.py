"""The Audience tab of an account (docs/ui.md "The Audience tab")."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts_app import vault
from audience import cloud, pages, services
from audience.forms import AudienceScrapeForm, CloudClassifierForm
from content.pages import get_target
from core.htmx import HtmxHttpRequest
from core.http import is_partial, page_or_rows, safe_next
from scraping import views as scraping_views

TEMPLATE = "audience/audience_tab.html"


@require_GET
def audience_tab(request: HttpRequest, username: str, rows: bool = False) -> HttpResponse:
    """The tab, or the next rows of its commenters table (HTMX, or the rows URL)."""
    target = get_target(username)
    if not (rows or is_partial(request)):
        return page_or_rows(request, TEMPLATE, {"tab": pages.tab(target, request.GET)})
    filters, page, next_url = pages.rows_page(target, request.GET)
    context = {"target": target, "filters": filters, "rows": page, "next_url": next_url}
    return page_or_rows(request, TEMPLATE, context, rows=True)


@require_POST
def nightly_comments(request: HtmxHttpRequest, username: str) -> HttpResponse:
    """The owner's switch: comments of the last posts in the account's nightly
    refresh (done only while the account is also starred)."""
    target = get_target(username)
    services.set_nightly(target, request.POST.get("on") == "1")
    if request.htmx:
        target = get_target(username)  # the switch as stored
        context = {"account": target, "posts": settings.AUDIENCE_POSTS}
        return render(request, "audience/_nightly_switch.html", context)
    return redirect(safe_next(request, reverse("audience:tab", args=[username])))


def scrape_new(request: HtmxHttpRequest) -> HttpResponse:
    """scraping's modal (same template, same answers) with audience's form."""
    return scraping_views.scrape_new(request, form_class=AudienceScrapeForm)


SETTINGS_SECTION = "audience/_classifier_settings.html"


def _settings_section(request: HtmxHttpRequest, **context: Any) -> HttpResponse:
    if request.htmx:
        return render(request, SETTINGS_SECTION, pages.classifier_settings(**context))
    text = str(context.get("error") or context.get("notice") or "")
    if text:
        level = messages.ERROR if context.get("error") else messages.SUCCESS
        messages.add_message(request, level, text)
    return redirect(reverse("settings") + "#picture-classifier")


@require_POST
def classifier_settings(request: HtmxHttpRequest) -> HttpResponse:
    """Settings: switch the cloud classifier (Face++) on or off, and replace its
    key. The typed key is sealed with the vault and never rendered back."""
    row = cloud.load()
    form = CloudClassifierForm(request.POST, saved=row.has_key)
    if not form.is_valid():
        # HTMX: the section with the form's errors, 200 so htmx swaps it in (as
        # the logins panel); the template never renders a typed key back.
        if request.htmx:
            return _settings_section(request, form=form)
        problems = "; ".join(str(errs[0]) for errs in form.errors.values())
        return _settings_section(request, error=f"Face++ was not saved: {problems}")
    data = form.cleaned_data
    try:
        row = cloud.save(
            enabled=data["enabled"], api_key=data["api_key"], api_secret=data["api_secret"]
        )
    except vault.VaultError as exc:
        return _settings_section(request, error=f"The key was not saved: {exc}")
    except ValueError as exc:
        return _settings_section(request, error=str(exc))
    if row.enabled:
        notice = (
            "Face++ is on: the next comments scrape sends the commenters' profile pictures"
            " to Face++."
        )
    else:
        notice = "Face++ is off: no picture leaves this machine." + (
            " Its key stays saved." if row.has_key else ""
        )
    return _settings_section(request, notice=notice)


@require_POST
def classifier_forget(request: HtmxHttpRequest) -> HttpResponse:
    cloud.forget()
    return _settings_section(request, notice="Face++ is off and its key is deleted.")
