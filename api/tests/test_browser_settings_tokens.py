"""The API tokens section in a real browser: phone to desktop, light and dark."""

from __future__ import annotations

import pytest

from api import tokens
from igdash.tests.ui import VIEWPORTS, check_layout, log_in, owner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("width,height", VIEWPORTS)
def test_create_and_revoke_fit_the_screen(page, live_server, width, height, theme) -> None:  # type: ignore[no-untyped-def]
    owner()
    tokens.create("home assistant", "read")
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/login/")
    page.evaluate("t => localStorage.setItem('igdash-theme', t)", theme)
    log_in(page, live_server)
    page.goto(f"{live_server.url}/settings/#api-tokens")
    page.fill("#token-name", "phone shortcut")
    page.select_option("#token-scope", "write")
    page.click("[data-token-form] button[type=submit]")
    page.wait_for_selector("[data-token-created]")
    token = page.input_value("[data-token]")
    assert token.startswith("igd_") and tokens.find(token) is not None
    check_layout(page)
    whole = page.screenshot(f"api-tokens-{width}-{theme}")
    page.locator("#api-tokens").screenshot(path=str(whole.with_name(f"{whole.stem}-section.png")))
    page.once("dialog", lambda dialog: dialog.accept())
    page.click('[data-api-token="home assistant"] button')
    page.wait_for_selector('[data-api-token="home assistant"][data-state="revoked"]')
    check_layout(page)
