"""The page shell in a real browser: styled, no console errors, fits a phone,
and HTMX posts carry the CSRF token."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OWNER_PASSWORD = "pw-owner-123456"


def _log_in(page, live_server) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/")
    page.fill("#id_username", "owner")
    page.fill("#id_password", OWNER_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


@pytest.mark.parametrize("width,height", [(320, 640), (768, 1024), (1440, 900)])
def test_login_page_is_styled_and_fits_the_screen(page, live_server, width, height) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/login/")
    button = page.locator("button[type=submit]")
    # Tailwind's bg-rose-600 is applied: the compiled stylesheet was served.
    background = button.evaluate("b => getComputedStyle(b).backgroundColor")
    assert background not in ("", "rgba(0, 0, 0, 0)", "rgb(239, 239, 239)"), background
    assert button.bounding_box()["height"] >= 44
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(f"login-{width}")


def test_htmx_post_from_the_dashboard_passes_csrf(page, live_server, settings) -> None:  # type: ignore[no-untyped-def]
    from igdash.celery import app

    app.conf.task_always_eager = True
    try:
        User.objects.create_superuser("owner", "", OWNER_PASSWORD)
        _log_in(page, live_server)
        page.click("text=Test the background worker")
        page.wait_for_selector("[data-answered=yes]", timeout=10_000)
        assert "answered in" in page.inner_text("#ping-result")
        page.screenshot("dashboard-ping")
    finally:
        app.conf.task_always_eager = False
