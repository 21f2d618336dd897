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


def test_without_javascript_sending_the_form_again_makes_no_second_token(
    browser, live_server
) -> None:  # type: ignore[no-untyped-def]
    """Back to the form and send it again (what a reload of the answer does
    too): one token, and the page says why there is no second."""
    from igdash.testing.browser import watched_page

    owner()
    with watched_page(browser, "tokens-no-js", java_script_enabled=False) as page:
        page.set_viewport_size({"width": 390, "height": 844})
        log_in(page, live_server)
        page.goto(f"{live_server.url}/settings/#api-tokens")
        page.fill("#token-name", "cron")
        page.click("[data-token-form] button[type=submit]")
        page.wait_for_selector("[data-token-created]")
        page.go_back()
        page.fill("#token-name", "cron again")
        page.click("[data-token-form] button[type=submit]")
        error = page.wait_for_selector("[data-token-error]")
        assert "This form was sent already" in error.inner_text()
        assert page.locator("[data-token-created]").count() == 0
        check_layout(page)
        whole = page.screenshot("api-tokens-sent-twice-390")
        page.locator("#api-tokens").screenshot(
            path=str(whole.with_name(f"{whole.stem}-section.png"))
        )
    assert [row.name for row in tokens.listing()] == ["cron"]
