"""Who may use the API: tokens only, scopes, the allowlist first, throttling."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from api import tokens
from api.models import ApiToken
from api.tests.helpers import Api, make_token
from scraping.models import Scrape

pytestmark = pytest.mark.django_db


def test_a_token_is_stored_as_its_hash_only() -> None:
    row, token = tokens.create("phone", "write")
    assert token.startswith("igd_") and len(token) == 47
    stored = ApiToken.objects.get(pk=row.pk)
    assert stored.token_hash == tokens.digest(token) and token not in str(vars(stored))
    assert stored.prefix == token[:8]


def test_a_read_token_cannot_start_a_scrape() -> None:
    api = Api(make_token(scope="read"))
    response = api.post("/scrapes", {"handle": "demo_small"})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert "only read" in response.json()["message"]
    assert not Scrape.objects.exists()
    assert api.get("/scrapes").status_code == 200  # reading is fine


def test_a_write_token_starts_one_and_a_second_is_a_conflict() -> None:
    api = Api(make_token(scope="write"))
    first = api.post("/scrapes", {"handle": "@demo_small", "lists": ["followers"]})
    assert first.status_code == 201, first.content
    assert first.json()["status"] == "queued" and first.json()["lists"] == "followers"
    second = api.post("/scrapes", {"handle": "demo_small"})
    assert second.status_code == 409
    assert second.json() == {"code": "conflict", "message": second.json()["message"]}
    assert f"#{first.json()['id']}" in second.json()["message"]


def test_a_revoked_token_gets_401() -> None:
    token = make_token("old")
    api = Api(token)
    assert api.get("/accounts").status_code == 200
    call_command("api_token", "revoke", "old")
    response = api.get("/accounts")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_an_expired_token_gets_401() -> None:
    api = Api(make_token("short", expires_days=1))
    assert api.get("/accounts").status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(days=1, minutes=1)):
        assert api.get("/accounts").status_code == 401


def test_a_session_cookie_alone_gets_401() -> None:
    owner = User.objects.create_superuser("owner", password="x-long-password-1")
    client = Client()
    client.force_login(owner)
    assert client.get("/").status_code == 200  # the session works for pages
    response = Api(None, client).get("/accounts")
    assert response.status_code == 401
    # A POST with the session and no CSRF token is refused the same way, and changes nothing.
    response = Api(None, client).post("/scrapes", {"handle": "demo_small"})
    assert response.status_code == 401
    assert not Scrape.objects.exists()


def test_an_address_outside_the_allowlist_gets_403_before_authentication() -> None:
    token = make_token(scope="write")
    outside = Api(token, REMOTE_ADDR="203.0.113.9")
    response = outside.get("/accounts")
    assert response.status_code == 403
    assert "refuses 203.0.113.9" in response.content.decode()
    # A wrong token from there is not even looked at: nothing is counted.
    Api("igd_" + "x" * 43, REMOTE_ADDR="203.0.113.9").get("/accounts")
    assert not AccessAttempt.objects.exists()
    assert ApiToken.objects.get().last_used_at is None


def test_failed_tokens_are_throttled_like_logins(settings: object) -> None:
    good = make_token("good")
    wrong = Api("igd_" + "w" * 43)
    for _ in range(5):
        assert wrong.get("/accounts").status_code == 401
    locked = wrong.get("/accounts")
    assert locked.status_code == 429
    assert locked.json()["code"] == "throttled"
    assert 800 < int(locked["Retry-After"]) <= 900
    # While locked out even a right token is not looked at (no oracle).
    assert Api(good).get("/accounts").status_code == 429
    # Another address is not affected: the API locks by address only.
    assert Api(good, REMOTE_ADDR="100.64.0.7").get("/accounts").status_code == 200
    # The login page of the locked address is locked too: one budget per address.
    login = Client().post("/login/", {"username": "owner", "password": "whatever-1"})
    assert login.status_code == 429
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16)):
        assert Api(good).get("/accounts").status_code == 200


def test_tokens_never_reach_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    good = make_token("good", scope="write")
    wrong = "igd_" + "q" * 43
    with caplog.at_level(logging.DEBUG):
        Api(good).get("/accounts/nobody")
        Api(good).post("/scrapes", {"handle": "bad handle!"})
        Api(wrong).get("/accounts")
    assert caplog.records  # Django logged the 4xx answers
    assert good not in caplog.text and wrong not in caplog.text


def test_errors_share_one_shape() -> None:
    api = Api(make_token(scope="write"))
    cases = {
        "/accounts/nobody": 404,
        "/accounts?cursor=not-a-cursor": 400,
        "/accounts?limit=0": 400,
        "/scrapes/999": 404,
        "/no/such/thing": 404,
    }
    for path, status in cases.items():
        response = api.client.get(f"/api/v1{path}", **api.meta)
        assert response.status_code == status, path
        body = response.json()
        assert set(body) == {"code", "message"} and body["message"], path
    assert Api(None).get("/accounts").json()["code"] == "unauthorized"


def test_the_command_creates_lists_and_revokes(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("api_token", "create", "cron", "--scope", "write", "--expires-days", "30")
    token = capsys.readouterr().out.strip()
    assert tokens.find(token) is not None
    call_command("api_token", "list")
    listing = capsys.readouterr().out
    assert "cron\twrite\t" in listing and "active" in listing and token not in listing
    with pytest.raises(CommandError, match="exists already"):
        call_command("api_token", "create", "cron")
    with pytest.raises(CommandError, match="1 to 3650"):
        call_command("api_token", "create", "x", "--expires-days", "0")
    with pytest.raises(CommandError, match="No API token"):
        call_command("api_token", "revoke", "nope")
    call_command("api_token", "revoke", "cron")
    assert tokens.find(token) is None


def test_the_schema_and_the_docs_page_need_no_token_and_no_cdn() -> None:
    client = Client()
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert schema.json()["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    page = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page and "cdn" not in page.lower()
    assert client.get("/api/v1/").json()["code"] == "not_found"


def test_a_body_that_is_not_json_is_a_400_in_the_same_shape() -> None:
    api = Api(make_token(scope="write"))
    for body, content_type in (("{not json", "application/json"), ("handle=x", "text/plain")):
        response = api.client.post("/api/v1/scrapes", body, content_type=content_type, **api.meta)
        assert response.status_code == 400, response.content
        assert set(response.json()) == {"code", "message"}
    assert not Scrape.objects.exists()
