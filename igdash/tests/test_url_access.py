"""Walks the whole URLconf: every URL needs the owner's login except the login
page, /health and static files."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

PUBLIC = {"login", "admin_login", "health"}
# The JSON API is its own gate: a Bearer token, never the session (api/auth.py).
API_PREFIX = "api/v1/"
# Its schema, docs page and the JSON 404 of unknown API paths need no token.
API_PUBLIC = {"openapi-json", "openapi-view", "not_found", "api-root"}
SAMPLE = {
    "int": "1",
    "str": "x",
    "slug": "x",
    "path": "x",
    "uuid": "00000000-0000-0000-0000-000000000000",
}


def _walk(patterns: list, prefix: str = "") -> list[tuple[str, str]]:  # type: ignore[type-arg]
    found = []
    for pattern in patterns:
        route = str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found += _walk(pattern.url_patterns, prefix + route)
        elif isinstance(pattern, URLPattern):
            found.append((prefix + route, pattern.name or ""))
    return found


def _sample_url(route: str) -> str:
    route = re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE.get(m.group(1) or "str", "x"), route)
    route = route.lstrip("^").rstrip("$").replace("\\Z", "")
    route = re.sub(r"\(\?P<\w+>[^)]*\)", "1", route)  # admin's regex routes
    return "/" + route.replace("\\", "")


def test_every_url_but_login_and_health_needs_the_owner() -> None:
    urls = _walk(get_resolver().url_patterns)
    assert len(urls) > 20  # the admin alone has dozens: the walk really walked
    anonymous = Client()
    for route, name in urls:
        if name in PUBLIC or route.startswith(API_PREFIX):
            continue
        url = _sample_url(route)
        response = anonymous.get(url)
        assert response.status_code == 302, f"{url} ({name}) answered {response.status_code}"
        assert "/login/" in response["Location"], f"{url} ({name}) redirects elsewhere"


def test_every_api_url_but_its_schema_needs_a_token() -> None:
    urls = [(r, n) for r, n in _walk(get_resolver().url_patterns) if r.startswith(API_PREFIX)]
    assert len(urls) > 10
    anonymous = Client()
    for route, name in urls:
        url = _sample_url(route)
        if name in API_PUBLIC:
            continue
        # Every method of the route: a write under a GET route must not slip through.
        for method in ("get", "post", "put", "delete"):
            response = getattr(anonymous, method)(url)
            assert response.status_code in (401, 405), f"{method} {url} ({name})"
            assert response["Content-Type"] == "application/json", f"{method} {url}"


def test_public_urls_answer_without_login() -> None:
    anonymous = Client()
    assert anonymous.get("/login/").status_code == 200
    assert anonymous.get("/admin/login/").status_code == 200
    assert anonymous.get("/health").status_code in (200, 503)
