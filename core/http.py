"""Small request helpers every app's views share."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, fallback: str) -> str:
    """Where to go after a POST: its `next` field when that points at this site,
    else `fallback` (an empty, foreign or scheme-changing `next` never leaves it)."""
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return fallback
