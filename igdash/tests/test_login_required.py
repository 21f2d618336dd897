from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/admin/", "/system/ping/1/"])
def test_pages_redirect_anonymous_visitors_to_login(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/") or "/admin/login/" in response["Location"]


def test_login_page_renders_with_stylesheet_and_htmx(client: Client) -> None:
    response = client.get("/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/css/igdash.css" in html
    assert "/static/django_htmx/htmx-2.min.js" in html


def test_owner_sees_the_dashboard_after_logging_in(client: Client) -> None:
    User.objects.create_superuser("owner", "", "pw-123456789")
    response = client.post("/login/", {"username": "owner", "password": "pw-123456789"})
    assert response.status_code == 302
    page = client.get("/")
    assert page.status_code == 200
    assert "Test the background worker" in page.content.decode()


def test_wrong_password_shows_an_inline_message_and_keeps_the_username(client: Client) -> None:
    User.objects.create_superuser("owner", "", "pw-123456789")
    response = client.post("/login/", {"username": "owner", "password": "nope"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in html
    assert 'value="owner"' in html


def test_post_without_csrf_token_is_refused() -> None:
    User.objects.create_superuser("owner", "", "pw-123456789")
    strict = Client(enforce_csrf_checks=True)
    strict.login(username="owner", password="pw-123456789")
    assert strict.post("/system/ping/").status_code == 403
