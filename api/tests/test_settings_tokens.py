"""The API tokens section of Settings: create (shown once), list with last use, revoke."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from api import tokens
from api.models import ApiToken
from api.tests.helpers import Api

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("owner", "", "pw-long-enough-1"))
    return client


def created_token(html: str) -> str:
    found = re.search(r'value="(igd_[A-Za-z0-9_-]{43})"', html)
    assert found, html
    return found.group(1)


def test_create_shows_the_token_once_and_it_works(owner_client: Client) -> None:
    answer = owner_client.post(
        "/settings/api-tokens/", {"name": "phone", "scope": "write", "expires_days": "30"},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert answer.status_code == 200
    html = answer.content.decode()
    token = created_token(html)
    assert "shown this once" in html and 'data-api-token="phone"' in html
    assert Api(token).post("/accounts", {"handle": "alice"}).status_code == 201
    page = owner_client.get("/settings/").content.decode()
    assert token not in page and "phone" in page and "last used" in page
    assert ApiToken.objects.get().expires_at is not None


def test_without_javascript_the_page_shows_it_and_no_message_keeps_it(owner_client: Client) -> None:
    answer = owner_client.post("/settings/api-tokens/", {"name": "cron", "scope": "read"})
    assert answer.status_code == 200  # the page itself, not a redirect through messages
    token = created_token(answer.content.decode())
    assert token not in owner_client.get("/settings/").content.decode()


def test_the_same_form_sent_twice_makes_one_token_and_says_why(owner_client: Client) -> None:
    """Reloading the page a form's POST answered sends the form again."""
    page = owner_client.get("/settings/").content.decode()
    nonce = re.search(r'name="form_nonce" value="([^"]+)"', page)
    assert nonce
    data = {"name": "cron", "scope": "read", "form_nonce": nonce.group(1)}
    first = owner_client.post("/settings/api-tokens/", data).content.decode()
    created_token(first)
    again = owner_client.post("/settings/api-tokens/", {**data, "name": "cron2"}).content.decode()
    assert "This form was sent already" in again and not re.search(r'value="igd_', again)
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["cron"]
    fresh = re.search(r'name="form_nonce" value="([^"]+)"', again)
    assert fresh and fresh.group(1) != nonce.group(1)  # the next form may be sent
    created_token(
        owner_client.post(
            "/settings/api-tokens/", {**data, "name": "cron2", "form_nonce": fresh.group(1)}
        ).content.decode()
    )


def test_bad_input_says_why_and_keeps_the_name(owner_client: Client) -> None:
    tokens.create("taken")
    for data, says in (
        ({"name": "taken"}, "exists already"),
        ({"name": ""}, "A token name is"),
        ({"name": "x", "expires_days": "soon"}, "whole number of days"),
        ({"name": "x", "scope": "admin"}, "read or write"),
    ):
        html = owner_client.post("/settings/api-tokens/", data, HTTP_HX_REQUEST="true").content
        assert says in html.decode(), data
    assert ApiToken.objects.count() == 1


def test_revoke(owner_client: Client) -> None:
    row, token = tokens.create("old")
    html = owner_client.post(
        f"/settings/api-tokens/{row.pk}/revoke/", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Revoked old" in html and 'data-state="revoked"' in html
    assert Api(token).get("/accounts").status_code == 401


def test_a_viewer_can_neither_create_nor_revoke() -> None:
    viewer = User.objects.create_user("viewer", password="pw-long-enough-2")
    viewer.groups.add(Group.objects.get_or_create(name="viewers")[0])
    client = Client()
    client.force_login(viewer)
    assert client.post("/settings/api-tokens/", {"name": "mine"}).status_code == 403
    assert not ApiToken.objects.exists()
