"""The Audience tab in a real browser at phone, tablet and desktop widths, light
and dark: no sideways scrolling, no console error or failed request, tap
targets of 44 px, and the commenters list scrolling on."""

from __future__ import annotations

import pytest

from audience.tests.builders import audience_account
from igdash.tests.ui import VIEWPORTS, check_layout, log_in, owner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("width,height", VIEWPORTS)
def test_the_audience_tab_fits_the_screen(page, live_server, width, height, theme) -> None:  # type: ignore[no-untyped-def]
    owner()
    audience_account()
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, live_server)
    page.evaluate("t => localStorage.setItem('igdash-theme', t)", theme)
    page.goto(f"{live_server.url}/accounts/creator/audience/")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.dataset.theme") == theme
    check_layout(page)
    # The timelines table scrolls inside its box; where it does not fit, say so.
    wide = page.evaluate(
        "(() => { const t = document.querySelector('[data-timelines] .overflow-x-auto');"
        " return t.scrollWidth > t.clientWidth; })()"
    )
    hint = page.locator("[data-swipe-hint]")
    assert hint.is_visible() == (width < 1024), width
    assert hint.is_visible() or not wide, width
    page.screenshot(f"audience-{width}-{theme}")


def test_the_commenters_list_scrolls_on_and_filters(page, live_server) -> None:  # type: ignore[no-untyped-def]
    owner()
    audience_account()
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, live_server)
    page.goto(f"{live_server.url}/accounts/creator/audience/")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-commenter]").count() == 50
    page.locator("[data-commenter]").last.scroll_into_view_if_needed()
    page.wait_for_function("document.querySelectorAll('[data-commenter]').length === 80")
    page.select_option("#commenters-show", "left")
    page.wait_for_function("document.querySelectorAll('[data-commenter]').length === 8")
