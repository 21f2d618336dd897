"""safe_next(): the one check of a POST's `next` before a redirect."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from core.http import safe_next


@pytest.mark.parametrize(
    ("next_value", "expected"),
    [
        ("/accounts/alice/?tab=followers", "/accounts/alice/?tab=followers"),
        ("http://testserver/scrapes/", "http://testserver/scrapes/"),
        ("", "/fallback/"),
        ("https://evil.example/", "/fallback/"),
        ("//evil.example/", "/fallback/"),
        ("javascript:alert(1)", "/fallback/"),
    ],
)
def test_safe_next_keeps_this_sites_addresses_only(next_value: str, expected: str) -> None:
    request = RequestFactory().post("/x/", {"next": next_value})
    assert safe_next(request, "/fallback/") == expected


def test_safe_next_without_a_next_field_is_the_fallback() -> None:
    assert safe_next(RequestFactory().post("/x/"), "/fallback/") == "/fallback/"
