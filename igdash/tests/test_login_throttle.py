"""Failed owner logins lock the address and the user name out, and a locked
login is no password oracle: no password is checked, right and wrong
passwords get the same bytes back."""

from __future__ import annotations

import re
import time

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from igdash.testing.password_checks import checks_made

pytestmark = pytest.mark.django_db

RIGHT = "right-password-1"
ATTACKER = "100.64.0.7"


@pytest.fixture(autouse=True)
def owner(settings) -> User:
    # Every password check is counted (igdash/testing/password_checks.py).
    settings.AUTHENTICATION_BACKENDS = [
        "igdash.testing.password_checks.CountingModelBackend"
        if backend == "django.contrib.auth.backends.ModelBackend"
        else backend
        for backend in settings.AUTHENTICATION_BACKENDS
    ]
    settings.LOGIN_MAX_FAILURES = 3
    return User.objects.create_superuser("owner", "", RIGHT)


def _client(address: str = ATTACKER) -> Client:
    """A browser-like client: CSRF enforced, the token taken from the login page."""
    client = Client(REMOTE_ADDR=address, enforce_csrf_checks=True)
    client.get("/login/")
    return client


def _post(client: Client, password: str, username: str = "owner"):  # type: ignore[no-untyped-def]
    return client.post(
        "/login/",
        {
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )


def _attempt(password: str, address: str = ATTACKER, username: str = "owner") -> int:
    return _post(_client(address), password, username).status_code


def _lock_out(address: str = ATTACKER, username: str = "owner") -> None:
    for _ in range(3):
        _attempt("wrong", address, username)


def test_repeated_failures_lock_the_address_out_with_a_message() -> None:
    assert [_attempt("wrong") for _ in range(2)] == [200, 200]
    third = _post(_client(), "wrong")
    assert third.status_code == 429  # the failure that reaches the limit says so at once
    locked = _post(_client(), RIGHT)
    assert locked.status_code == 429
    text = re.sub(r"\s+", " ", locked.content.decode())
    assert "Too many failed attempts" in text
    assert "Try again in 15 minutes." in text
    assert ".venv/bin/igdash unlock_owner" in text
    assert r".venv\Scripts\igdash unlock_owner" in text
    # Another address with another user name is not affected.
    User.objects.create_superuser("second", "", RIGHT)
    assert _attempt(RIGHT, address="127.0.0.1", username="second") == 302


def test_a_locked_address_gets_no_password_checked_and_the_same_answer() -> None:
    _lock_out()
    client = _client()
    before = checks_made()
    # The clock stands still across the two: `Expires` is the time of the answer,
    # and two requests either side of a second's edge would differ there alone.
    with time_machine.travel(time.time(), tick=False):
        right = _post(client, RIGHT)
        wrong = _post(client, "wrong")
    assert checks_made() == before, "a locked login had its password checked"
    assert right.status_code == wrong.status_code == 429
    # Same client state for both (one CSRF cookie, no session): the answers must be
    # identical to the byte, headers and cookies included.
    assert right.content == wrong.content
    assert dict(right.items()) == dict(wrong.items())
    assert right.cookies.output() == wrong.cookies.output() == ""
    assert "csrfmiddlewaretoken" not in right.content.decode()  # no per-render token
    assert "_auth_user_id" not in client.session


def test_a_locked_user_name_is_locked_from_every_address() -> None:
    _lock_out(address=ATTACKER)
    client = _client("100.64.0.99")
    before = checks_made()
    right = _post(client, RIGHT)
    wrong = _post(client, "wrong")
    assert checks_made() == before
    assert right.status_code == 429
    assert right.content == wrong.content


def test_only_the_configured_number_of_passwords_is_checked() -> None:
    before = checks_made()
    statuses = [_attempt("wrong") for _ in range(10)]
    assert checks_made() - before == 3
    assert statuses == [200, 200] + [429] * 8


def test_lockout_ends_after_the_window() -> None:
    with time_machine.travel("2026-11-21 10:00:00Z", tick=False) as clock:
        _lock_out()
        assert _attempt(RIGHT) == 429
        clock.shift(16 * 60)
        assert _attempt(RIGHT) == 302


def test_a_successful_login_clears_earlier_failures() -> None:
    _attempt("wrong")
    _attempt("wrong")
    assert _attempt(RIGHT) == 302
    _attempt("wrong")
    _attempt("wrong")
    assert _attempt(RIGHT) == 302


def test_the_admin_login_is_throttled_too() -> None:
    _lock_out()
    client = _client()
    client.get("/admin/login/")
    response = client.post(
        "/admin/login/",
        {
            "username": "owner",
            "password": RIGHT,
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )
    assert response.status_code == 429


def test_unlock_owner_command_lifts_every_lockout(capsys) -> None:
    _lock_out()
    assert _attempt(RIGHT) == 429
    call_command("unlock_owner")
    assert "may log in again" in capsys.readouterr().out
    assert _attempt(RIGHT) == 302


def test_the_owner_logging_in_gives_a_guesser_elsewhere_no_fresh_budget() -> None:
    _attempt("wrong", address="100.64.0.50")
    _attempt("wrong", address="100.64.0.50")
    assert _attempt(RIGHT, address="127.0.0.1") == 302  # the owner, from home
    # The guesser's two failures on "owner" still count: the third locks the name.
    assert _attempt("wrong", address="100.64.0.50") == 429
    assert _attempt(RIGHT, address="100.64.0.51") == 429


@pytest.mark.parametrize(
    "username",
    ["own\x00er", "o" * 10_000, "", " owner\u200b", "owner\n"],
)
def test_hostile_user_names_get_an_answer_not_a_500(username: str) -> None:
    client = _client()
    response = _post(client, "wrong", username=username)
    assert response.status_code in (200, 429)


def test_a_padded_user_name_is_the_same_locked_name() -> None:
    _lock_out(address=ATTACKER)
    before = checks_made()
    response = _post(_client("100.64.0.99"), RIGHT, username="  owner ")
    assert response.status_code == 429
    assert checks_made() == before


def test_a_locked_out_get_still_shows_the_form() -> None:
    _lock_out()
    page = Client(REMOTE_ADDR=ATTACKER).get("/login/")
    assert page.status_code == 200
    assert 'name="password"' in page.content.decode()
