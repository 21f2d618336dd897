"""Small request helpers every app's views share."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, fallback: str) -> str:
    """Where to go after a POST: its `next` field when that points at this site,
    else `fallback` (an empty, foreign or scheme-changing `next` never leaves it)."""
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return fallback


def is_partial(request: HttpRequest) -> bool:
    """An HTMX request that swaps a part of the page in, not a boosted navigation
    or a history restore (those want the whole page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx and not htmx.boosted and not htmx.history_restore_request)


def page_or_rows(
    request: HttpRequest, template: str, context: dict[str, Any], *, rows: bool = False
) -> HttpResponse:
    """A list page, or only its `#rows` partial: for an HTMX request (the search
    box, the sort, the next page) or a rows-only URL. The answer varies on
    HX-Request, so a cache never hands the partial to a plain page load."""
    partial = rows or is_partial(request)
    response = render(request, f"{template}#rows" if partial else template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response
