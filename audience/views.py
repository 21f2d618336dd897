"""The Audience tab of an account (docs/ui.md "The Audience tab")."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from audience import pages, services
from audience.forms import AudienceScrapeForm
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
