"""The 400, 403, 404 and 500 pages (issue #22, point 8): the app's look and a way
home, with DEBUG off as in production. 500.html is rendered with an empty
context and must need neither the request nor the database."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.test import Client, override_settings
from django.urls import include, path

from accounts_app.tests import factories

pytestmark = pytest.mark.django_db


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("an error nobody expected")


def _forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("not for you")


# The project's URLconf plus two views that fail on purpose.
urlpatterns = [
    path("test-boom/", _boom),
    path("test-forbidden/", _forbidden),
    path("", include("igdash.urls")),
]

production = override_settings(DEBUG=False, ROOT_URLCONF=__name__)


@pytest.fixture
def owner_client() -> Client:
    return factories.logged_in(Client(raise_request_exception=False))


def _assert_app_page(html: str) -> None:
    assert "/static/css/igdash.css" in html  # the app's stylesheet, not Django's bare page
    assert 'href="/"' in html and "Back to the dashboard" in html


@production
def test_404_has_the_apps_layout_and_a_way_home(owner_client: Client) -> None:
    response = owner_client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    _assert_app_page(html)
    assert 'data-error-page="404"' in html and "Nothing here" in html
    assert "Resolver404" not in html and "tried" not in html
    assert "Log out" not in html  # no navigation: strangers see this page too


@production
def test_404_of_a_view_and_for_a_stranger(owner_client: Client) -> None:
    untracked = owner_client.get("/accounts/nobody_tracked/")
    assert untracked.status_code == 404 and 'data-error-page="404"' in untracked.content.decode()
    assert "@nobody_tracked is not tracked." in untracked.content.decode()  # the view's reason
    ping = owner_client.get("/system/ping/987654/")
    assert ping.status_code == 404 and "matches the given query" not in ping.content.decode()
    stranger = Client().get("/no/such/page/")
    assert stranger.status_code == 404
    _assert_app_page(stranger.content.decode())


@production
def test_500_is_a_standalone_page_with_a_way_home(owner_client: Client) -> None:
    response = owner_client.get("/test-boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert 'data-error-page="500"' in html and "Something went wrong" in html
    assert 'href="/"' in html
    assert "RuntimeError" not in html and "an error nobody expected" not in html


def test_500_template_needs_no_request_and_no_database(
    django_assert_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    with django_assert_num_queries(0):
        html = loader.get_template("500.html").render()  # as Django renders it: no context
    assert "Something went wrong" in html and "{%" not in html


@production
def test_403_has_the_apps_layout(owner_client: Client) -> None:
    response = owner_client.get("/test-forbidden/")
    assert response.status_code == 403
    html = response.content.decode()
    _assert_app_page(html)
    assert 'data-error-page="403"' in html


@production
def test_a_form_without_its_csrf_token_gets_the_apps_403() -> None:
    client = factories.logged_in(Client(enforce_csrf_checks=True))
    response = client.post("/scrapes/new/", {"handle": "alice", "lists": "both"})
    assert response.status_code == 403
    html = response.content.decode()
    _assert_app_page(html)
    assert "This form has expired" in html


@production
def test_400_says_what_was_wrong_in_the_apps_layout(owner_client: Client) -> None:
    response = owner_client.get("/accounts/", {"cursor": "not-a-cursor"})
    assert response.status_code == 400
    html = response.content.decode()
    _assert_app_page(html)
    assert 'data-error-page="400"' in html and "not a valid page position" in html
