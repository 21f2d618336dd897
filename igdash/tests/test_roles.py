"""Owner-only: walks every route of igdash.urls (the admin's included) as four
visitors and proves who gets what. The owner (superuser) has everything; any
other account gets 403, unless it is in the "viewers" group, which may read
(GET/HEAD) but never change anything and never see the admin."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from accounts_app.tests import factories
from core.models import WorkerPing
from igdash.roles import VIEWERS_GROUP
from scraping.models import Scrape

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("post", "put", "patch", "delete")
# Reachable by any logged-in account (logging out is never refused).
OPEN_TO_ALL = {"logout", "admin:logout"}


@dataclass(frozen=True)
class Route:
    url: str
    name: str
    public: bool  # login_not_required: the login page, /health, signed Excel links
    admin: bool


def _walk(patterns: list, prefix: str = "", admin: bool = False) -> list[tuple[str, bool, object]]:  # type: ignore[type-arg]
    found: list[tuple[str, bool, object]] = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found += _walk(pattern.url_patterns, route, admin or pattern.namespace == "admin")
        elif isinstance(pattern, URLPattern):
            found.append((route, admin, pattern))
    return found


def _fill(route: str, values: dict[str, str]) -> str:
    """A concrete URL: path converters and regex groups get an existing object's
    value where one is known (by parameter name), a dummy otherwise."""

    def converter(match: re.Match[str]) -> str:
        kind, name = match.group(1) or "str", match.group(2)
        return values.get(name) or ("1" if kind == "int" else "x")

    def group(match: re.Match[str]) -> str:
        name, body = match.group(1), match.group(2)
        if name in values:
            return values[name]
        choices = body.split("|")  # the admin's app_label: (auth|igdash|...)
        return choices[0] if re.fullmatch(r"[\w|]+", body) else "1"

    url = re.sub(r"<(?:(\w+):)?(\w+)>", converter, route)
    url = re.sub(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)", group, url)
    url = url.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\", "")
    return "/" + url


@pytest.fixture
def routes() -> list[Route]:
    target = factories.tracked("alice")
    values = {
        "username": "alice",
        "handle": "alice",
        "list_name": "followers",
        "fmt": "csv",
        "scrape_id": str(Scrape.objects.filter(target=target).first().pk),  # type: ignore[union-attr]
        "user_id": str(target.user.pk),
        "ping_id": str(WorkerPing.objects.create().pk),
        "app_label": "auth",
    }
    found = []
    for route, admin, _pattern in _walk(get_resolver().url_patterns):
        url = _fill(route, values)
        match = resolve(url.split("?")[0])  # the URL really reaches that route
        public = not getattr(match.func, "login_required", True)
        found.append(Route(url, match.view_name, public, admin))
    assert len(found) > 60  # the admin alone has dozens: the walk really walked
    return found


def _user(name: str, *, viewer: bool = False, owner: bool = False) -> User:
    if owner:
        return User.objects.create_superuser(name, "", "pw-123456789")
    user = User.objects.create_user(name, "", "pw-123456789", is_staff=True)
    if viewer:
        user.groups.add(Group.objects.get(name=VIEWERS_GROUP))
    return user


def _as(user: User | None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def _request(client: Client, method: str, url: str) -> int:
    return getattr(client, method)(url).status_code


def test_the_viewers_group_exists_after_migrating() -> None:
    assert Group.objects.filter(name=VIEWERS_GROUP).exists()


def test_anonymous_visitors_are_sent_to_log_in(routes: list[Route]) -> None:
    client = _as(None)
    for route in routes:
        if route.public:
            continue
        response = client.get(route.url)
        assert response.status_code == 302, f"{route.url} ({route.name}): {response.status_code}"
        assert "/login/" in response["Location"], f"{route.url} ({route.name})"


def test_a_plain_account_gets_403_everywhere_for_every_method(routes: list[Route]) -> None:
    # Staff, even: being staff gives nothing without being the owner.
    client = _as(_user("someone"))
    for route in routes:
        if route.public or route.name in OPEN_TO_ALL:
            continue
        for method in ("get", "head", *WRITE_METHODS):
            status = _request(client, method, route.url)
            assert status == 403, f"{method.upper()} {route.url} ({route.name}): {status}"


def test_a_viewer_may_look_but_change_nothing(routes: list[Route]) -> None:
    viewer = _user("looker", viewer=True)
    client = _as(viewer)
    for route in routes:
        if route.public or route.name in OPEN_TO_ALL:
            continue
        status = _request(client, "get", route.url)
        if route.admin:
            assert status == 403, f"GET {route.url}: the admin is the owner's only ({status})"
        else:
            assert status != 403, f"GET {route.url} ({route.name}) refused a viewer"
        for method in WRITE_METHODS:
            status = _request(client, method, route.url)
            assert status == 403, f"{method.upper()} {route.url} ({route.name}): {status}"


def test_a_viewer_sees_pages_and_downloads_exports_but_cannot_delete() -> None:
    factories.tracked("alice")
    client = _as(_user("looker", viewer=True))
    assert client.get("/").status_code == 200
    assert client.get("/accounts/alice/").status_code == 200
    download = client.get("/exports/alice/followers.csv")
    assert download.status_code == 200
    assert b"alice_f" in b"".join(download.streaming_content)  # type: ignore[attr-defined]
    refused = client.post("/accounts/alice/delete/")
    assert refused.status_code == 403
    assert "Viewers can look but not change anything" in refused.content.decode()
    assert client.get("/accounts/alice/").status_code == 200  # still there


# 403s Django's admin gives the owner too, by design, not by role: an autocomplete
# request naming no field (its "bad request"), and models its ModelAdmin keeps
# read-only for everyone (has_add/change/delete_permission() is False).
OWNER_403_BY_DJANGO = {
    "admin:autocomplete",
    "admin:axes_accessattempt_add",
    "admin:axes_accesslog_add",
    "admin:axes_accessfailurelog_add",
    "admin:igdash_appsettings_add",
    "admin:igdash_appsettings_delete",
    "admin:igdash_vaultunlock_add",
    "admin:igdash_vaultunlock_change",
    "admin:notify_channel_add",  # a channel's URL is sealed by Settings or the command
}


def test_the_owner_is_refused_nothing(routes: list[Route]) -> None:
    owner = _user("owner", owner=True)
    for route in routes:
        if route.name in OWNER_403_BY_DJANGO:
            continue
        for method in ("get", "post"):
            client = _as(owner)  # afresh: a POST to a logout route ends the session
            status = _request(client, method, route.url)
            assert status != 403, f"{method.upper()} {route.url} ({route.name}) refused the owner"


def test_a_refused_account_gets_a_page_with_a_way_out() -> None:
    # The refusal used to be one line of plain text: a plain account logged in on a
    # phone had no link anywhere and no way to log out (logout is a POST).
    client = Client(enforce_csrf_checks=True)
    client.force_login(_user("stranger"))
    refused = client.get("/")
    assert refused.status_code == 403
    assert refused["Content-Type"].startswith("text/html")
    page = refused.content.decode()
    assert "your account has no access" in page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None and 'action="/logout/"' in page
    logged_out = client.post("/logout/", {"csrfmiddlewaretoken": token.group(1)})
    assert logged_out.status_code == 302
    assert client.get("/").status_code == 302  # to the login page now


def test_a_viewer_menu_has_no_admin_link_even_for_a_staff_account() -> None:
    # The menu showed "Admin" to every staff account, a link that only gives a viewer 403.
    page = _as(_user("looker", viewer=True)).get("/").content.decode()
    assert 'href="/admin/"' not in page
    assert 'href="/admin/"' in _as(_user("boss", owner=True)).get("/").content.decode()
