from __future__ import annotations

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def owner() -> User:
    return User.objects.create_superuser("owner", "", "right-password-1")


def _attempt(password: str, address: str = "100.64.0.7") -> int:
    response = Client(REMOTE_ADDR=address).post(
        "/login/", {"username": "owner", "password": password}
    )
    return response.status_code


def test_repeated_failures_lock_the_address_out_with_a_message(settings) -> None:
    settings.LOGIN_MAX_FAILURES = 3
    assert [_attempt("wrong") for _ in range(3)] == [200, 200, 200]
    locked = Client(REMOTE_ADDR="100.64.0.7").post(
        "/login/", {"username": "owner", "password": "right-password-1"}
    )
    assert locked.status_code == 429
    assert "Too many failed attempts from this address. Try again in 15 minutes." in (
        locked.content.decode()
    )
    # Another address is not affected.
    assert _attempt("right-password-1", address="127.0.0.1") == 302


def test_lockout_ends_after_the_window(settings) -> None:
    settings.LOGIN_MAX_FAILURES = 2
    with time_machine.travel("2026-11-21 10:00:00Z", tick=False) as clock:
        _attempt("wrong")
        _attempt("wrong")
        assert _attempt("right-password-1") == 429
        clock.shift(16 * 60)
        assert _attempt("right-password-1") == 302


def test_a_successful_login_clears_earlier_failures(settings) -> None:
    settings.LOGIN_MAX_FAILURES = 3
    _attempt("wrong")
    _attempt("wrong")
    assert _attempt("right-password-1") == 302
    _attempt("wrong")
    _attempt("wrong")
    assert _attempt("right-password-1") == 302
