"""Storing and checking Instagram logins, against the simulator over HTTP."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from accounts_app.models import LoginCredential
from scraping.services import logins
from scraping.simulator.world import DEMO_2FA_CODE, DEMO_PASSWORD
from scraping.tests.sim_control import Sim

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_limits", "isolated_vault")]
Status = LoginCredential.Status


@pytest.fixture
def instagram(sim: Sim) -> Iterator[Sim]:
    with override_settings(INSTAGRAM_WEB_URL=sim.base, INSTAGRAM_API_URL=sim.base):
        yield sim


def test_secrets_are_stored_sealed_and_open_again() -> None:
    login = logins.store_login("@Someone", password="hunter2", sessionid="1%3Aabc", proxy="")

    row = LoginCredential.objects.get(username="someone")
    assert b"hunter2" not in bytes(row.password_enc)
    assert b"abc" not in bytes(row.sessionid_enc)
    assert (logins.password(row), logins.web_sessionid(row)) == ("hunter2", "1%3Aabc")
    assert login.status == Status.UNCHECKED


def test_password_login_is_checked_and_its_session_kept(instagram: Sim) -> None:
    login = logins.check_login(logins.store_login("demo_owner", password=DEMO_PASSWORD))

    assert login.status == Status.OK, login.status_message
    assert login.ig_pk == instagram.profile_pk("demo_owner")
    assert logins.session_settings(login)
    assert logins.web_sessionid(login)  # the web client can reuse the session's cookie


def test_browser_session_id_is_adopted(instagram: Sim) -> None:
    login = logins.store_login("demo_owner", sessionid=instagram.session("demo_owner"))

    login = logins.check_login(login)

    assert login.status == Status.OK, login.status_message
    assert login.ig_pk == instagram.profile_pk("demo_owner")


def test_two_factor_login_asks_for_the_code_then_accepts_it(instagram: Sim) -> None:
    login = logins.check_login(logins.store_login("demo_2fa", password=DEMO_PASSWORD))
    assert login.status == Status.NEEDS_2FA
    assert "2FA code" in login.status_message

    login = logins.check_login(login, code=DEMO_2FA_CODE)

    assert login.status == Status.OK, login.status_message


@pytest.mark.parametrize(
    ("username", "password", "status", "message"),
    [
        ("demo_challenge", DEMO_PASSWORD, Status.CHALLENGE, "security check"),
        ("demo_owner", "wrong-password", Status.BAD_PASSWORD, "refused the password"),
    ],
)
def test_refused_login_gets_a_status_and_a_message(
    instagram: Sim, username: str, password: str, status: str, message: str
) -> None:
    login = logins.check_login(logins.store_login(username, password=password))

    assert login.status == status
    assert message in login.status_message


def test_storing_a_new_secret_makes_a_blocked_login_usable_again() -> None:
    login = logins.store_login("me", sessionid="1%3Aold")
    login.status = Status.CHALLENGE
    login.save()
    assert not logins.usable_logins().exists()

    logins.store_login("me", sessionid="1%3Anew")

    assert list(logins.usable_logins()) == [login]


def test_login_command_reads_the_secret_from_stdin(
    instagram: Sim, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(DEMO_PASSWORD + "\n"))
    out = io.StringIO()

    call_command("login_instagram", "demo_owner", "--password-stdin", stdout=out)

    assert out.getvalue().startswith("@demo_owner is logged in")


def test_login_command_fails_with_one_line(instagram: Sim, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("wrong\n"))

    with pytest.raises(CommandError) as failure:
        call_command("login_instagram", "demo_owner", "--password-stdin")

    assert (
        str(failure.value) == "Instagram refused the password of @demo_owner; store the right one."
    )


# --- A newly given secret is tried by a fresh login (#22.1) ---------------------------


def _working_demo_owner() -> LoginCredential:
    login = logins.check_login(logins.store_login("demo_owner", password=DEMO_PASSWORD))
    assert login.status == Status.OK, login.status_message
    return login


def _sealed(login: LoginCredential) -> tuple[bytes | None, ...]:
    row = LoginCredential.objects.get(pk=login.pk)
    return tuple(
        bytes(blob) if blob is not None else None
        for blob in (row.password_enc, row.session_enc, row.sessionid_enc)
    )


def test_wrong_new_password_is_refused_and_the_working_secret_kept(
    instagram: Sim, monkeypatch: pytest.MonkeyPatch
) -> None:
    login = _working_demo_owner()
    before = _sealed(login)
    monkeypatch.setattr("sys.stdin", io.StringIO("wrong\n"))

    with pytest.raises(CommandError) as failure:
        call_command("login_instagram", "demo_owner", "--password-stdin")

    assert "refused the new password of @demo_owner" in str(failure.value)
    assert "kept the previous" in str(failure.value)
    login.refresh_from_db()
    assert login.status == Status.OK
    assert logins.password(login) == DEMO_PASSWORD
    assert _sealed(login) == before  # password and session untouched


def test_new_password_is_tried_by_a_fresh_login_not_the_stored_session(instagram: Sim) -> None:
    login = _working_demo_owner()
    instagram.log.clear()

    outcome = logins.add_secret("demo_owner", password=DEMO_PASSWORD)

    assert outcome.ok, outcome.message
    assert [e.path for e in instagram.log if e.path.endswith("/accounts/login/")]
    login.refresh_from_db()
    assert login.status == Status.OK and logins.password(login) == DEMO_PASSWORD


def test_refused_session_id_keeps_the_working_secret(instagram: Sim) -> None:
    login = _working_demo_owner()
    before = _sealed(login)

    outcome = logins.add_secret("demo_owner", sessionid="1%3Anot-a-session")

    assert not outcome.ok
    assert "did not accept the new session id of @demo_owner" in outcome.message
    assert _sealed(login) == before
    assert LoginCredential.objects.get(pk=login.pk).status == Status.OK


def test_unknown_user_is_named_as_such_and_not_stored(
    instagram: Sim, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(DEMO_PASSWORD + "\n"))

    with pytest.raises(CommandError) as failure:
        call_command("login_instagram", "nobody_here_42", "--password-stdin")

    assert "Instagram has no user @nobody_here_42" in str(failure.value)
    assert "password" not in str(failure.value)
    assert not LoginCredential.objects.filter(username="nobody_here_42").exists()


def test_two_factor_code_given_with_the_password_logs_in_at_once(
    instagram: Sim, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(DEMO_PASSWORD + "\n"))
    out = io.StringIO()

    call_command(
        "login_instagram", "demo_2fa", "--password-stdin", "--code", DEMO_2FA_CODE, stdout=out
    )

    assert out.getvalue().startswith("@demo_2fa is logged in")
    assert LoginCredential.objects.get(username="demo_2fa").status == Status.OK


def test_a_login_held_by_a_running_or_parked_scrape_comes_after_a_free_one() -> None:
    """With several workers, a worker whose scrape just ended must not take the
    login another worker's scrape is using, even if that one's last use is older
    (least recently used alone got it wrong half the time)."""
    from django.utils import timezone

    from accounts_app.models import IgUser, TrackedAccount
    from scraping.models import Scrape

    busy = logins.store_login("busy", sessionid="1%3Aa")
    free = logins.store_login("free", sessionid="2%3Ab")
    # The busy one was checked by its scrape; the free one never was.
    LoginCredential.objects.filter(pk=busy.pk).update(status=Status.OK)
    now = timezone.now()
    LoginCredential.objects.filter(pk=busy.pk).update(last_used_at=now - dt.timedelta(seconds=2))
    LoginCredential.objects.filter(pk=free.pk).update(last_used_at=now)
    target = TrackedAccount.objects.create(user=IgUser.objects.create(ig_pk=1, username="t"))
    scrape = Scrape.objects.create(target=target, status="running", login=busy)

    assert list(logins.usable_logins()) == [free, busy]
    Scrape.objects.filter(pk=scrape.pk).update(status="waiting_rate_limit")
    assert list(logins.usable_logins()) == [free, busy]
    Scrape.objects.filter(pk=scrape.pk).update(status="succeeded")
    assert list(logins.usable_logins()) == [busy, free]  # checked OK, then least recently used
    LoginCredential.objects.filter(pk=busy.pk).update(status=Status.RATE_LIMITED)
    assert list(logins.usable_logins()) == [free, busy]
