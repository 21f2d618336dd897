"""Accounts and account pages in a real browser: infinite scroll, the
bookmark toggle, filters with an inline error, and the export link."""

from __future__ import annotations

import pytest

from accounts_app.models import TrackedAccount
from accounts_app.tests import factories
from igdash.tests.ui import log_in, owner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_followers_load_as_the_list_scrolls(page, live_server) -> None:  # type: ignore[no-untyped-def]
    owner()
    factories.tracked("alice", followers=130, following=10, days=2)
    log_in(page, live_server)
    page.goto(f"{live_server.url}/accounts/alice/")
    rows = page.locator("#relationship-rows [data-user]")
    assert rows.count() == 50
    for expected in (100, 130):
        page.locator("#relationship-rows > li").last.scroll_into_view_if_needed()
        page.wait_for_function(
            f"document.querySelectorAll('#relationship-rows [data-user]').length >= {expected}"
        )
    page.wait_for_load_state("networkidle")
    assert rows.count() == 130  # one left and one arrived in the second scrape
    assert len(set(rows.evaluate_all("els => els.map(e => e.dataset.user)"))) == 130


def test_bookmark_toggles_in_place(page, live_server) -> None:  # type: ignore[no-untyped-def]
    owner()
    target = factories.tracked("alice", followers=3, following=1, mutual=0, days=1)
    log_in(page, live_server)
    page.goto(f"{live_server.url}/accounts/")
    star = page.locator("[data-bookmark=alice]")
    star.click()
    page.wait_for_selector("[data-bookmark=alice][aria-pressed=true]")
    assert page.url.endswith("/accounts/")
    assert TrackedAccount.objects.get(pk=target.pk).bookmarked


def test_filters_keep_the_search_and_explain_a_bad_choice(page, live_server) -> None:  # type: ignore[no-untyped-def]
    owner()
    factories.tracked("alice", followers=8, following=3, mutual=1, days=2)
    log_in(page, live_server)
    page.goto(f"{live_server.url}/accounts/alice/?tab=mutuals&show=lost&q=nobody%20here")
    assert "not available on the mutuals tab" in page.inner_text("#list-show-error")
    assert page.input_value("#list-q") == "nobody here"
    page.fill("#list-q", "alice_f0000")
    page.select_option("#list-show", "all")
    page.click("text=Apply")
    page.wait_for_load_state("networkidle")
    assert page.locator("#relationship-rows [data-user]").count() == 1  # the one mutual
    href = page.get_attribute("a[data-export-link]", "href")
    assert href == "/exports/alice/mutuals.csv?q=alice_f0000"
    page.select_option("#export-fmt", "xlsx")
    assert (
        page.get_attribute("a[data-export-link]", "href")
        == "/exports/alice/mutuals.xlsx?q=alice_f0000"
    )


@pytest.mark.parametrize("via", ["apply", "tab"])
def test_a_phone_lands_on_the_list_after_a_filter_or_a_tab(page, live_server, via) -> None:  # type: ignore[no-untyped-def]
    # The list sits below the cards, charts, export and history: a reload that
    # starts at the top left a phone owner three screens away from the answer.
    owner()
    factories.tracked("alice", followers=8, following=3, mutual=1, days=2)
    page.set_viewport_size({"width": 320, "height": 640})
    log_in(page, live_server)
    page.goto(f"{live_server.url}/accounts/alice/")
    # Scrolling to the control starts the lazy avatars near it; leaving before
    # they arrive would abort them (a failed request for the watcher).
    control = page.locator(
        "text=Apply" if via == "apply" else "nav[aria-label=Lists] >> text=Following"
    )
    control.scroll_into_view_if_needed()
    page.wait_for_load_state("networkidle")
    page.evaluate("window.scrollTo(0, 0)")
    if via == "apply":
        page.fill("#list-q", "alice_f")
    control.click()
    page.wait_for_load_state("networkidle")
    top = page.evaluate("document.getElementById('lists').getBoundingClientRect().top")
    assert 0 <= top < 640, f"the list starts {top:.0f}px down a 640px screen"


def test_an_unknown_follow_back_is_a_short_card_not_a_tall_empty_one(page, live_server) -> None:  # type: ignore[no-untyped-def]
    # With no complete pair of lists yet the card holds one sentence; stretched to
    # the chart's height beside it, it was a tall empty box (the kind #22.11 removed).
    from scraping.models import ScrapeStats

    owner()
    factories.tracked("alice", followers=8, following=3, mutual=1, days=2)
    ScrapeStats.objects.update(mutuals=None)
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, live_server)
    page.goto(f"{live_server.url}/accounts/alice/")
    card = page.locator("section[aria-labelledby=followback-heading]")
    assert "Known once both lists" in card.inner_text()
    assert card.bounding_box()["height"] < 160
