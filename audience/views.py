"""The Audience tab of an account (docs/ui.md "The Audience tab")."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from audience import pages
from content.pages import get_target
from core.http import is_partial, page_or_rows

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
