"""'Open in Excel' (issue #22, point 8): without desktop Excel the ms-excel: link
did nothing visible. Now there is no button where desktop Excel cannot be, and
a click says what should happen and what to do when nothing opens."""

from __future__ import annotations

import pytest

from accounts_app.tests import factories
from igdash.testing.browser import watched_page
from igdash.tests.ui import log_in, owner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
DESKTOP = {"width": 1440, "height": 900}


def test_no_excel_button_where_desktop_excel_cannot_be(page, live_server) -> None:  # type: ignore[no-untyped-def]
    owner()
    factories.tracked("alice", followers=3, following=1, mutual=0, days=1)
    page.set_viewport_size(DESKTOP)
    log_in(page, live_server)
    page.goto(f"{live_server.url}/accounts/alice/")  # Linux chromium: no desktop Excel
    page.wait_for_load_state("networkidle")
    assert page.locator("a[data-excel-link]").count() == 0
    assert page.locator("a[data-export-link]").is_visible()


def test_a_click_on_open_in_excel_says_what_happens(browser, live_server, request) -> None:  # type: ignore[no-untyped-def]
    owner()
    factories.tracked("alice", followers=3, following=1, mutual=0, days=1)
    with watched_page(browser, request.node.name, user_agent=WINDOWS, viewport=DESKTOP) as page:
        log_in(page, live_server)
        page.goto(f"{live_server.url}/accounts/alice/")
        note = page.locator("[data-excel-note]")
        assert not note.is_visible()
        excel = page.locator("a[data-excel-link]")
        assert excel.is_visible()
        # The real hand-over: igdash redirects to ms-excel:ofe|u|<signed URL>, which
        # this Linux browser has no handler for; it drops (aborts) the navigation
        # silently, as a browser without Excel does, and stays on the page.
        aborted: list[str] = []
        page.on("requestfailed", lambda req: aborted.append(f"{req.url} {req.failure}"))
        excel.click()
        note.wait_for(state="visible")
        assert "Excel is not installed on this computer" in note.inner_text()
        assert page.url == f"{live_server.url}/accounts/alice/"
        for _ in range(100):  # the aborted hand-over's event may still be on its way
            if aborted:
                break
            page.wait_for_timeout(50)
        dropped = [a for a in aborted if "ms-excel:ofe|u|" in a and "/exports/signed/" in a]
        assert dropped and len(dropped) == len(aborted), aborted
        assert not page.problems, page.problems
        page.screenshot("excel-note")
