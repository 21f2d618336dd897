"""The Scrapes page on a phone."""

from __future__ import annotations

import pytest

from accounts_app.tests import factories
from igdash.tests.ui import log_in, owner
from scraping.models import ScrapeList

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# How many lines an inline element spans.
LINES = "e => new Set(Array.from(e.getClientRects(), r => Math.round(r.top))).size"


def test_a_rows_delta_per_list_stays_on_one_line_on_a_phone(page, live_server) -> None:  # type: ignore[no-untyped-def]
    # "following +3 / minus 3" broke after the slash, the "minus 3" alone on the next
    # line (its link is 44 px tall): read as two unrelated figures.
    owner()
    factories.tracked("alice", followers=40, following=12, mutual=2, churn=10, days=2)
    ScrapeList.objects.update(complete=True)
    page.set_viewport_size({"width": 320, "height": 640})
    log_in(page, live_server)
    page.goto(f"{live_server.url}/scrapes/")
    parts = page.locator("[data-delta] [data-part]")
    assert parts.count() == 4
    lines = parts.evaluate_all(f"els => els.map({LINES})")
    assert max(lines) == 1, (lines, parts.all_inner_texts())


def test_a_partial_lists_lost_words_stay_together_on_a_phone(page, live_server) -> None:  # type: ignore[no-untyped-def]
    # "lost" ended one line and "not judged" began the next, 44 px lower.
    owner()
    target = factories.tracked("alice", followers=40, following=12, mutual=2, churn=10, days=2)
    ScrapeList.objects.update(complete=True)
    ScrapeList.objects.filter(scrape=target.last_scrape, direction=1).update(
        complete=False, fetched=50, expected=5097
    )
    page.set_viewport_size({"width": 320, "height": 640})
    log_in(page, live_server)
    page.goto(f"{live_server.url}/scrapes/{target.last_scrape_id}/")
    lost = page.locator("[data-part=followers] [data-lost]")
    assert lost.inner_text() == "lost not judged"
    assert lost.evaluate(LINES) == 1
