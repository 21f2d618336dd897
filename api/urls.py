"""/api/v1/: the API's routes, none behind the session login (tokens only)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, re_path
from django.views.decorators.csrf import csrf_exempt

from api.main import api, error


def _open(patterns: list[URLPattern | URLResolver]) -> list[URLPattern | URLResolver]:
    """The API answers for itself (tokens, JSON errors): LoginRequiredMiddleware
    and the roles of the pages stand aside (settings.MIDDLEWARE reads this flag)."""
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback.login_required = False  # type: ignore[attr-defined]
    return patterns


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return error(404, "No such API operation; see /api/v1/docs.")


not_found.login_required = False  # type: ignore[attr-defined]

ninja_patterns, app_name, namespace = api.urls
urlpatterns = [
    *_open(list(ninja_patterns)),
    re_path(r"^.*$", not_found, name="not_found"),
]
