"""A crafted `cursor` on the commenters table is a 400 that says so, never a
500: the cursor is base64 of a JSON list, and Python's JSON parser gives up
on deep nesting with a RecursionError (not a ValueError)."""

from __future__ import annotations

import base64

import pytest
from django.contrib.auth.models import User
from django.test import Client

from audience.tests.builders import audience_account

pytestmark = pytest.mark.django_db


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize("raw", ["[" * 5000, "[" * 100_000, "[1, 2" + ", 3" * 5000 + "]"])
def test_a_crafted_cursor_is_a_bad_request(raw: str) -> None:
    audience_account("creator", commenters=60)
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.create_superuser("owner", "", "pw"))
    for url in ("/accounts/creator/audience/rows/", "/accounts/creator/audience/"):
        response = client.get(url, {"cursor": _cursor(raw)}, HTTP_HX_REQUEST="true")
        assert response.status_code == 400, (url, response.status_code)
        assert "page position" in response.content.decode()
