"""Every page in a real browser at phone, tablet and desktop sizes, in light and
dark: no sideways scrolling, no console error, no failed request (the `page`
fixture fails the test on those), every tap target at least 44 px tall."""

from __future__ import annotations

import pytest

from accounts_app.tests import factories
from igdash.tests.ui import VIEWPORTS, check_layout, log_in, owner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = {
    "dashboard": "/",
    "accounts": "/accounts/",
    "account": "/accounts/alice/",
    "scrapes": "/scrapes/",
    "settings": "/settings/",
}


def _theme(page, theme: str) -> None:  # type: ignore[no-untyped-def]
    page.evaluate("t => localStorage.setItem('igdash-theme', t)", theme)


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("width,height", VIEWPORTS)
def test_every_page_fits_the_screen_with_large_tap_targets(  # type: ignore[no-untyped-def]
    page, live_server, width, height, theme
) -> None:
    owner()
    alice = factories.tracked("alice", followers=60, following=20, days=5)
    # A finished scrape's page: its result per list, links to new and lost.
    pages = {**PAGES, "scrape": f"/scrapes/{alice.last_scrape_id}/"}
    factories.tracked("bob", followers=12, following=4, days=3, bookmarked=True)
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/login/")
    page.wait_for_load_state("networkidle")
    _theme(page, theme)
    page.reload()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.dataset.theme") == theme
    check_layout(page)
    page.screenshot(f"login-{width}-{theme}")
    log_in(page, live_server)
    for name, path in pages.items():
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.dataset.theme") == theme
        check_layout(page)
        page.screenshot(f"{name}-{width}-{theme}")


def test_scrape_modal_fits_a_phone(page, live_server) -> None:  # type: ignore[no-untyped-def]
    owner()
    page.set_viewport_size({"width": 320, "height": 640})
    log_in(page, live_server)
    page.click("text=New scrape")
    page.wait_for_selector("dialog[open] #id_handle")
    check_layout(page)
    assert page.evaluate("document.activeElement.id") == "id_handle"
    page.screenshot("modal-320")
    page.keyboard.press("Escape")
    page.wait_for_selector("dialog:not([open])", state="attached")
    # The browser fires "close" (which empties the panel) as a task after the
    # dialog loses [open]: wait for it rather than read at once.
    page.wait_for_function("document.getElementById('modal-body').innerHTML.trim() === ''")
    assert page.inner_html("#modal-body").strip() == ""


def test_phone_menu_opens_over_the_page_without_moving_it(page, live_server) -> None:  # type: ignore[no-untyped-def]
    owner()
    page.set_viewport_size({"width": 320, "height": 640})
    log_in(page, live_server)
    toggle = page.locator("#nav-toggle")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator("#nav-menu").is_visible()
    before = page.locator("main h1").bounding_box()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert page.locator("#nav-menu a", has_text="Accounts").is_visible()
    assert page.locator("main h1").bounding_box() == before
    check_layout(page)
    page.screenshot("menu-320")
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false"
    page.set_viewport_size({"width": 1440, "height": 900})
    assert page.locator("#nav-menu a", has_text="Accounts").is_visible()


def test_a_phone_search_of_everyone_lands_on_its_results(page, live_server) -> None:  # type: ignore[no-untyped-def]
    # Enter or "Search" loads /?q=...; on a phone the search card sits below the
    # cards and the chart, so a reload at the top showed no result at all.
    owner()
    factories.tracked("alice", followers=8, following=3, mutual=1, days=2)
    page.set_viewport_size({"width": 320, "height": 640})
    log_in(page, live_server)
    page.fill("#global-q", "alice_f")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url("**/?q=alice_f*")
    page.wait_for_load_state("networkidle")
    top = page.evaluate("document.getElementById('search').getBoundingClientRect().top")
    assert 0 <= top < 640, f"the results start {top:.0f}px down a 640px screen"
