"""The lockout page in a real browser: says how long and how to unlock, fits a
phone and a desktop in both themes, and leads back to the log-in page."""

from __future__ import annotations

import pytest

from igdash.tests.ui import VIEWPORTS, check_layout, owner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _expected_429(page) -> None:  # type: ignore[no-untyped-def]
    # The lockout answers HTTP 429 on purpose; Chromium logs that as a console error.
    page.problems[:] = [p for p in page.problems if "429" not in p and "Too Many Requests" not in p]


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("width,height", [VIEWPORTS[0], VIEWPORTS[-1]])
def test_the_lockout_page_says_how_to_get_back_in(  # type: ignore[no-untyped-def]
    page, live_server, settings, width, height, theme
) -> None:
    settings.LOGIN_MAX_FAILURES = 2
    owner()
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/login/")
    page.evaluate("t => localStorage.setItem('igdash-theme', t)", theme)
    for _ in range(2):
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", "owner")
        page.fill("#id_password", "wrong")
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
    _expected_429(page)
    text = page.inner_text("main")
    assert "Too many failed attempts" in text
    assert "Try again in 15 minutes." in text
    assert ".venv/bin/igdash unlock_owner" in text
    assert page.evaluate("document.documentElement.dataset.theme") == theme
    check_layout(page)
    page.screenshot(f"lockout-{width}-{theme}")
    page.click("text=Back to the log-in page")
    page.wait_for_selector("#id_password")
