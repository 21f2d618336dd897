"""/api/v1/: the API's routes, none behind the session login (tokens only)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import URLPattern, URLResolver, re_path
from django.views.decorators.csrf import csrf_exempt

from api.main import api, error


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return error(404, "No such API operation; see /api/v1/docs.")


not_found.login_required = False  # type: ignore[attr-defined]


def _json_405(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """ninja answers a method a path does not have with Django's empty 405: the
    API's errors are JSON, with the methods it has in Allow."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and response.get("Content-Type", "").startswith("text/"):
            allowed = response.get("Allow", "")
            answer = error(405, f"{request.method} is not an operation here; use {allowed}.")
            answer["Allow"] = allowed
            return answer
        return response

    return wrapped


def _open(patterns: list[URLPattern | URLResolver]) -> list[URLPattern | URLResolver]:
    """The API answers for itself (tokens, JSON errors): LoginRequiredMiddleware
    and the roles of the pages stand aside (they read this flag)."""
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            # ninja's "api-root" (/api/v1/, reversed by the schema) is an HTML 404.
            root = pattern.name == "api-root"
            view = _json_405(not_found if root else pattern.callback)
            view.login_required = False  # type: ignore[attr-defined]
            pattern.callback = view
    return patterns


ninja_patterns, app_name, namespace = api.urls
urlpatterns = [
    *_open(list(ninja_patterns)),
    re_path(r"^.*$", not_found, name="not_found"),
]
