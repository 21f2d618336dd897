"""Instagram logins on the Settings page, through the login service against the
simulator over real HTTP: adding one by password or session cookie, the status
each outcome gets, the 2FA code entry, a challenge's instructions, removal.

Every request goes as HTMX does (HX-Request, the CSRF token read from the
page's hx-headers), and no response body may ever contain a secret."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client, override_settings

from accounts_app.models import LoginCredential
from accounts_app.tests import factories
from scraping.services import logins
from scraping.services.clients import pick_proxy
from scraping.simulator.world import DEMO_2FA_CODE, DEMO_PASSWORD
from scraping.tests.sim_control import Sim

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_limits", "isolated_vault")]
Status = LoginCredential.Status
WRONG_PASSWORD = "wrong-pass-7Qx9"
TYPED = "typed-secret-Z8"


class Owner:
    """The owner's browser: keeps every response body to search for secrets."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.bodies: list[str] = []
        self.secrets: set[str] = {DEMO_PASSWORD, WRONG_PASSWORD, TYPED}

    def _keep(self, response: HttpResponse) -> HttpResponse:
        self.bodies.append(response.content.decode())
        return response

    def get(self, url: str = "/settings/") -> HttpResponse:
        return self._keep(self.client.get(url))

    def token(self) -> str:
        page = self.get().content.decode()
        found = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', page)
        assert found, "the page carries no CSRF token for HTMX"
        return found.group(1)

    def hx(self, url: str, data: dict[str, Any] | None = None) -> HttpResponse:
        response = self.client.post(
            url, data or {}, headers={"HX-Request": "true", "X-CSRFToken": self.token()}
        )
        return self._keep(response)

    def add(self, username: str, **data: str) -> str:
        data.setdefault("method", "sessionid" if "sessionid" in data else "password")
        if "sessionid" in data:
            self.secrets.add(data["sessionid"])
        response = self.hx("/settings/logins/add/", {"username": username, **data})
        assert response.status_code == 200
        return response.content.decode()

    def leaked(self) -> list[str]:
        for login in LoginCredential.objects.all():
            self.secrets.add(logins.web_sessionid(login) or "")
        self.secrets.discard("")
        return [s for s in self.secrets for body in self.bodies if s in body]


@pytest.fixture
def instagram(sim: Sim) -> Iterator[Sim]:
    with override_settings(INSTAGRAM_WEB_URL=sim.base, INSTAGRAM_API_URL=sim.base):
        yield sim


@pytest.fixture
def owner() -> Iterator[Owner]:
    client = factories.logged_in(Client(enforce_csrf_checks=True))
    browser = Owner(client)
    yield browser
    assert not browser.leaked(), "a secret reached a response body"


def _item(html: str, username: str) -> str:
    """The <li> of one login in the panel."""
    found = re.search(
        rf'<li id="login-\d+"[^>]*data-login="{username}".*?(?=<li id="login-|</ul>)', html, re.S
    )
    assert found, f"@{username} is not listed"
    return found.group(0)


def test_login_added_by_password_is_checked_and_shown_ok(instagram: Sim, owner: Owner) -> None:
    panel = owner.add("@Demo_Owner", password=DEMO_PASSWORD)

    login = LoginCredential.objects.get(username="demo_owner")
    assert login.status == Status.OK, login.status_message
    assert login.ig_pk == instagram.profile_pk("demo_owner")
    assert panel.lstrip().startswith('<section id="logins"')  # the panel only, for HTMX
    item = _item(panel, "demo_owner")
    assert 'data-status="ok"' in item and ">OK</span>" in item and "Logged in." in item
    assert "Stored @demo_owner and checked it: OK." in panel
    assert 'name="password" type="password"' in panel  # the add form is fresh again


def test_login_added_by_session_cookie_is_checked_and_shown_ok(
    instagram: Sim, owner: Owner
) -> None:
    cookie = instagram.session("demo_owner")

    panel = owner.add("demo_owner", sessionid=f"sessionid={cookie};")

    login = LoginCredential.objects.get(username="demo_owner")
    assert login.status == Status.OK, login.status_message
    assert logins.web_sessionid(login) == cookie
    assert login.password_enc is None
    assert 'data-status="ok"' in _item(panel, "demo_owner")


def test_own_proxy_is_stored_and_shown_without_its_credentials(
    instagram: Sim, owner: Owner
) -> None:
    # A proxy nobody listens on: the check fails, the login and its proxy stay.
    panel = owner.add("someone", password=WRONG_PASSWORD, proxy="http://puser:ppass@127.0.0.1:9")

    stored = LoginCredential.objects.get(username="someone")
    assert pick_proxy(stored) == "http://puser:ppass@127.0.0.1:9"  # sealed, opened at use
    item = _item(panel, "someone")
    assert "proxy <span" in item and "http://***@127.0.0.1:9" in item
    assert "Unable to connect to proxy" in item  # the check went through the proxy
    assert "ppass" not in owner.get().content.decode()
    assert "ppass" not in stored.status_message and "puser" not in panel


def test_wrong_password_gets_bad_password_status_and_message(instagram: Sim, owner: Owner) -> None:
    panel = owner.add("demo_owner", password=WRONG_PASSWORD)

    assert LoginCredential.objects.get(username="demo_owner").status == Status.BAD_PASSWORD
    item = _item(panel, "demo_owner")
    assert 'data-status="bad_password"' in item and "Wrong password" in item
    assert "Instagram refused the password of @demo_owner; store the right one." in item


def test_two_factor_login_asks_for_the_code_and_a_wrong_one_is_refused_inline(
    instagram: Sim, owner: Owner
) -> None:
    panel = owner.add("demo_2fa", password=DEMO_PASSWORD)
    login = LoginCredential.objects.get(username="demo_2fa")
    assert login.status == Status.NEEDS_2FA
    item = _item(panel, "demo_2fa")
    assert f'action="/settings/logins/{login.pk}/code/"' in item
    assert 'autocomplete="one-time-code"' in item and " autofocus" in item
    assert "Instagram wants the 2FA code for @demo_2fa" in item

    wrong = owner.hx(f"/settings/logins/{login.pk}/code/", {"code": "654321"}).content.decode()

    item = _item(wrong, "demo_2fa")
    assert f'id="code-{login.pk}-error"' in item and 'aria-invalid="true"' in item
    assert "Instagram did not accept the 2FA code for @demo_2fa." in item
    assert LoginCredential.objects.get(pk=login.pk).status == Status.NEEDS_2FA

    right = owner.hx(f"/settings/logins/{login.pk}/code/", {"code": f" {DEMO_2FA_CODE} "})

    login.refresh_from_db()
    assert login.status == Status.OK, login.status_message
    item = _item(right.content.decode(), "demo_2fa")
    assert 'data-status="ok"' in item and "data-code-form" not in item
    assert "@demo_2fa: OK." in right.content.decode()


def test_a_code_that_is_not_digits_is_refused_without_asking_instagram(
    instagram: Sim, owner: Owner
) -> None:
    owner.add("demo_2fa", password=DEMO_PASSWORD)
    login = LoginCredential.objects.get(username="demo_2fa")
    logins_before = instagram.stats()

    panel = owner.hx(f"/settings/logins/{login.pk}/code/", {"code": "12ab"}).content.decode()

    assert "The code is the 6 digits" in _item(panel, "demo_2fa")
    assert instagram.stats() == logins_before


def test_challenge_shows_what_to_do_and_check_again_asks_instagram_again(
    instagram: Sim, owner: Owner
) -> None:
    panel = owner.add("demo_challenge", password=DEMO_PASSWORD)
    login = LoginCredential.objects.get(username="demo_challenge")
    assert login.status == Status.CHALLENGE

    item = _item(panel, "demo_challenge")
    assert "data-challenge" in item
    assert "Open the Instagram app on your phone, logged in as @demo_challenge." in item
    assert "tap “It was me”" in item and "press “Check again”" in item
    assert f'action="/settings/logins/{login.pk}/check/"' in item
    if login.challenge_url:
        assert "data-challenge-link" in item and 'rel="noopener noreferrer"' in item
    checked_before = login.last_checked_at

    again = owner.hx(f"/settings/logins/{login.pk}/check/").content.decode()

    login.refresh_from_db()
    assert login.status == Status.CHALLENGE and login.last_checked_at > checked_before
    assert "Checked @demo_challenge: Challenge" in again
    assert "data-challenge" in _item(again, "demo_challenge")


def test_remove_forgets_the_login(instagram: Sim, owner: Owner) -> None:
    owner.add("demo_owner", password=DEMO_PASSWORD)
    login = LoginCredential.objects.get(username="demo_owner")
    page = owner.get().content.decode()
    assert "<summary" in page and "Remove @demo_owner?" in page and "Yes, remove it" in page

    panel = owner.hx(f"/settings/logins/{login.pk}/remove/").content.decode()

    assert not LoginCredential.objects.exists()
    assert "Removed @demo_owner" in panel and 'data-login="demo_owner"' not in panel
    assert "No Instagram login yet" in panel


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"username": "demo owner!", "password": TYPED}, "username", "not a valid Instagram"),
        ({"username": "d" * 500, "password": TYPED}, "username", "not a valid Instagram"),
        ({"username": "", "method": "sessionid", "sessionid": TYPED}, "username", "Enter the"),
        ({"username": "demo_owner", "password": ""}, "password", "Enter the password"),
        (
            {"username": "demo_owner", "method": "sessionid", "password": TYPED},
            "sessionid",
            "Enter the sessionid cookie",
        ),
        (
            {"username": "demo_owner", "password": TYPED, "proxy": "proxy.example"},
            "proxy",
            "Not a proxy address",
        ),
        (  # a proxy's password is typed again, like the login's
            {"username": "demo_owner", "password": "", "proxy": f"http://u:{TYPED}@10.0.0.1:80"},
            "password",
            "Enter the password",
        ),
        (
            {"username": "demo_owner", "password": TYPED, "proxy": "http://***@10.0.0.1:80"},
            "proxy",
            "not ***",
        ),
    ],
)
def test_bad_input_is_refused_inline_keeping_what_was_typed_but_not_the_secret(
    owner: Owner, data: dict[str, str], field: str, message: str
) -> None:
    data = {"method": "password", **data}

    panel = owner.hx("/settings/logins/add/", data).content.decode()

    assert not LoginCredential.objects.exists()
    assert f'id="id_login_{field}-error"' in panel and message in panel
    assert f'value="{data["username"]}"' in panel
    if data.get("proxy") and "@" not in data["proxy"]:
        assert f'value="{data["proxy"]}"' in panel
    elif data.get("proxy"):
        assert 'id="id_login_proxy" name="proxy" type="text" value=""' in panel
    assert f'value="{data["method"]}" class="choice-input peer" checked' in panel


def test_posts_without_the_csrf_token_are_refused(owner: Owner) -> None:
    response = owner.client.post(
        "/settings/logins/add/",
        {"username": "demo_owner", "method": "password", "password": DEMO_PASSWORD},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 403
    assert not LoginCredential.objects.exists()


def test_without_javascript_the_forms_post_and_come_back_to_the_page(
    instagram: Sim, owner: Owner
) -> None:
    token = owner.token()
    data = {"username": "demo_2fa", "method": "password", "password": DEMO_PASSWORD}
    added = owner.client.post("/settings/logins/add/", {**data, "csrfmiddlewaretoken": token})
    assert added.status_code == 302 and added["Location"] == "/settings/#logins"
    page = owner.get().content.decode()
    assert "Stored @demo_2fa and checked it: Needs a 2FA code." in page
    login = LoginCredential.objects.get(username="demo_2fa")

    wrong = owner._keep(
        owner.client.post(
            f"/settings/logins/{login.pk}/code/", {"code": "000000", "csrfmiddlewaretoken": token}
        )
    )

    html = wrong.content.decode()
    assert wrong.status_code == 200 and "<h1" in html  # the whole page, with the error
    assert "Instagram did not accept the 2FA code" in _item(html, "demo_2fa")


def test_no_secret_reaches_any_page(instagram: Sim, owner: Owner) -> None:
    owner.add("demo_owner", sessionid=instagram.session("demo_owner"))
    owner.add("demo_2fa", password=DEMO_PASSWORD)
    login = LoginCredential.objects.get(username="demo_2fa")
    owner.hx(f"/settings/logins/{login.pk}/code/", {"code": DEMO_2FA_CODE})
    owner.get("/settings/")
    owner.get("/admin/accounts_app/logincredential/")
    owner.get(f"/admin/accounts_app/logincredential/{login.pk}/change/")

    assert LoginCredential.objects.filter(status=Status.OK).count() == 2
    assert len(owner.bodies) > 5
    assert not owner.leaked()


def test_wrong_new_password_for_a_working_login_is_refused_and_the_old_one_kept(
    instagram: Sim, owner: Owner
) -> None:
    owner.add("demo_owner", password=DEMO_PASSWORD)
    login = LoginCredential.objects.get(username="demo_owner")
    sealed = (bytes(login.password_enc), bytes(login.session_enc))

    panel = owner.add("demo_owner", password=WRONG_PASSWORD)

    assert "checked it: OK" not in panel
    assert 'id="id_login_password-error"' in panel
    assert "Instagram refused the new password of @demo_owner" in panel
    assert "kept the previous password and session" in panel
    assert 'value="demo_owner"' in panel  # what was typed stays, but not the secret
    login.refresh_from_db()
    assert login.status == Status.OK
    assert (bytes(login.password_enc), bytes(login.session_enc)) == sealed
    assert 'data-status="ok"' in _item(panel, "demo_owner")


def test_unknown_user_is_named_on_the_username_and_nothing_is_stored(
    instagram: Sim, owner: Owner
) -> None:
    panel = owner.add("nobody_here_42", password=DEMO_PASSWORD)

    assert 'id="id_login_username-error"' in panel
    assert "Instagram has no user @nobody_here_42" in panel
    assert "refused the password" not in panel
    assert not LoginCredential.objects.exists()
