"""Issue #22's layout and chart fixes in a real browser: the dashboard, the
Accounts table, an account page and a finished and a partial scrape's page at
320, 768 and 1440 px in light and dark, plus the phone menu's backdrop.

Each combination is one browser context that logs in once and walks the pages
(the `page` fixture fails the test on any console error or failed request)."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from accounts_app.models import TrackedAccount
from accounts_app.tests import factories
from igdash.tests.ui import VIEWPORTS, horizontal_overflow, owner
from scraping.models import Direction, Relationship, Scrape, ScrapeStats

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEBREW = "דנה לוי"
ARABIC = "ليلى حسن"

# Cards whose content ends more than this above their bottom edge were
# stretched to a neighbour's height (the Export card, "Search everyone").
# Figures in a row of tiles ([data-kpis]) are equal on purpose.
STRETCHED_JS = """
() => Array.from(document.querySelectorAll('.card'))
  .filter(card => card.checkVisibility() && !card.closest('[data-kpis]'))
  .map(card => {
    const box = card.getBoundingClientRect();
    const padding = parseFloat(getComputedStyle(card).paddingBottom);
    const ends = Array.from(card.children).filter(c => c.checkVisibility())
      .map(c => c.getBoundingClientRect().bottom + parseFloat(getComputedStyle(c).marginBottom));
    return {html: card.outerHTML.slice(0, 120), gap: box.bottom - padding - Math.max(...ends)};
  })
  .filter(card => card.gap > 24)
"""

# The x axis of a time chart: its ends, its tick labels, the data's last x.
TIME_AXIS_JS = """
canvas => {
  const chart = Chart.getChart(canvas);
  const scale = chart.scales.x;
  const xs = chart.data.datasets.flatMap(set => set.data.map(p => p.x));
  return {min: scale.min, max: scale.max, first: Math.min(...xs), last: Math.max(...xs),
          labels: scale.ticks.map(t => [].concat(t.label).join(' '))};
}
"""


def _data() -> dict[str, str]:
    """alice: three weeks of daily scrapes; noa: a Hebrew name and followers
    with Arabic names, scraped three times today; capped: a partial scrape."""
    factories.tracked("alice", followers=30, following=12, days=21)
    noa = factories.tracked("noa", followers=6, following=3, mutual=1, days=1)
    noa.user.full_name = HEBREW
    noa.user.save()
    follower = (
        Relationship.objects.filter(target=noa, direction=Direction.FOLLOWER)
        .select_related("user")
        .first()
    )
    assert follower is not None
    follower.user.full_name = ARABIC
    follower.user.save()
    today = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    for hour, count in ((0, 7), (3, 8), (6, 6)):  # 09:00, 12:00, 15:00 local
        run = factories.scrape(noa, when=today + dt.timedelta(hours=hour) - dt.timedelta(days=1))
        ScrapeStats.objects.create(
            scrape=run, target=noa, taken_at=run.finished_at, followers=count, following=3
        )
    capped = factories.tracked("capped", followers=8, following=2, mutual=0, days=1)
    partial = factories.scrape(
        capped,
        status=Scrape.Status.PARTIAL,
        error_code="incomplete",
        error_message="Followers: Instagram capped the list after 5 users",
    )
    finished = Scrape.objects.filter(target__user__username="alice").order_by("-id").first()
    assert finished is not None
    return {
        "dashboard": "/",
        "accounts": "/accounts/",
        "account": "/accounts/noa/",
        "finished scrape": f"/scrapes/{finished.pk}/",
        "partial scrape": f"/scrapes/{partial.pk}/",
    }


def _name_beside_handle(page, rows: str, name: str) -> None:  # type: ignore[no-untyped-def]
    """The name's box starts where its handle starts (left-aligned under it),
    not at the far right of the row."""
    row = page.locator(rows).filter(has=page.locator("bdi", has_text=name))
    handle = row.locator("a.link").first.bounding_box()
    shown = row.locator("bdi", has_text=name).bounding_box()
    assert handle and shown, name
    assert abs(shown["x"] - handle["x"]) <= 2, (name, handle, shown)
    assert 0 <= shown["y"] - handle["y"] <= 60, (name, handle, shown)


class InFlight:
    """Requests the page has not finished yet. Leaving a page while one runs
    (the favicon, fetched after load) aborts it, which the `page` fixture
    rightly reports as a failed request: the walk waits for them first."""

    def __init__(self, page) -> None:  # type: ignore[no-untyped-def]
        self.page = page
        self.pending: set[object] = set()
        page.on("request", lambda request: self.pending.add(request))
        page.on("requestfinished", lambda request: self.pending.discard(request))
        page.on("requestfailed", lambda request: self.pending.discard(request))

    def settle(self) -> None:
        for _ in range(100):
            if not self.pending:
                return
            self.page.wait_for_timeout(50)
        raise AssertionError(f"requests still running: {[r.url for r in self.pending]}")  # type: ignore[attr-defined]


def _logged_in(page, live_server, theme: str) -> None:  # type: ignore[no-untyped-def]
    """The owner's session cookie and the theme, set before the first page: no
    login page to leave while its requests still run (see InFlight)."""
    client = Client()
    client.force_login(User.objects.get(username="owner"))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    page.add_init_script(f"localStorage.setItem('igdash-theme', {theme!r})")


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("width,height", VIEWPORTS)
def test_corrected_pages_at_every_width_and_theme(  # type: ignore[no-untyped-def]
    page, live_server, width: int, height: int, theme: str
) -> None:
    owner()
    pages = _data()
    page.set_viewport_size({"width": width, "height": height})
    requests = InFlight(page)
    _logged_in(page, live_server, theme)
    for name, path in pages.items():
        requests.settle()
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.dataset.theme") == theme
        assert horizontal_overflow(page) <= 0, f"{name} scrolls sideways at {width}px"
        assert page.evaluate(STRETCHED_JS) == [], f"{name}: a card is stretched"
        page.screenshot(f"{name.replace(' ', '-')}-{width}-{theme}")

        if name == "dashboard":
            cards = [page.locator(f"[data-kpis] > div >> nth={i}").bounding_box() for i in range(4)]
            assert all(cards)
            # Two per row on a phone and a tablet, four in a row on a desktop.
            assert cards[0]["y"] == cards[1]["y"] and cards[1]["x"] > cards[0]["x"]
            if width < 1280:
                assert cards[2]["y"] > cards[0]["y"] and cards[2]["x"] == cards[0]["x"]
                assert cards[2]["y"] == cards[3]["y"]
            assert page.locator("canvas[data-chart]").count() == 1
        elif name == "accounts":
            rows = page.locator("#account-rows [data-account]")
            assert rows.count() == TrackedAccount.objects.count()
            for i in range(rows.count()):
                assert rows.nth(i).locator("svg[data-sparkline]").count() == 1
            assert page.locator("[data-account=alice] svg[data-sparkline] polyline").count() == 1
            _name_beside_handle(page, "#account-rows > li", HEBREW)
        elif name == "account":
            canvases = page.locator("canvas[data-chart]")
            assert canvases.count() == 2
            assert page.evaluate(
                "() => [...document.querySelectorAll('canvas[data-chart]')]"
                ".every(c => Chart.getChart(c))"
            )
            axis = canvases.first.evaluate(TIME_AXIS_JS)
            assert axis["max"] == axis["last"] and axis["min"] == axis["first"], axis
            # Hours name their day at the first tick of each day ("12:00 PM Dec 2",
            # "06:00 PM", "12:00 AM Dec 3", ...): read left to right no two ticks
            # say the same, though a span over a day repeats an hour of the day.
            labels = axis["labels"]
            assert all(a != b for a, b in itertools.pairwise(labels)), labels
            dated = [label for label in labels if re.search(r"[A-Z][a-z]{2} \d", label)]
            assert len(dated) == len(set(dated)), labels
            _name_beside_handle(page, "#relationship-rows > li", ARABIC)
    requests.settle()


def test_phone_menu_has_a_backdrop_that_closes_it(page, live_server) -> None:  # type: ignore[no-untyped-def]
    owner()
    page.set_viewport_size({"width": 320, "height": 640})
    _logged_in(page, live_server, "light")
    page.goto(f"{live_server.url}/")
    page.wait_for_load_state("networkidle")
    backdrop = page.locator("#nav-backdrop")
    assert not backdrop.is_visible()
    page.click("#nav-toggle")
    assert backdrop.is_visible()
    shadow = page.evaluate("getComputedStyle(document.getElementById('nav-menu')).boxShadow")
    assert shadow and shadow != "none"
    page.mouse.click(160, 620)  # below the menu, on the backdrop
    assert page.get_attribute("#nav-toggle", "aria-expanded") == "false"
    assert not page.locator("#nav-menu").is_visible() and not backdrop.is_visible()


def test_sorting_the_accounts_by_change_reorders_them_in_place(page, live_server) -> None:  # type: ignore[no-untyped-def]
    owner()
    now = timezone.now()
    for name, counts in (("alpha", (10, 12)), ("beta", (10, 40)), ("gamma", (10, 3))):
        target = TrackedAccount.objects.create(user=factories.user(name))
        for days_ago, count in zip((3, 0), counts, strict=True):
            run = factories.scrape(target, when=now - dt.timedelta(days=days_ago, minutes=5))
            ScrapeStats.objects.create(
                scrape=run, target=target, taken_at=run.finished_at, followers=count
            )
    _logged_in(page, live_server, "light")
    page.goto(f"{live_server.url}/accounts/")
    page.wait_for_load_state("networkidle")
    order = (
        "() => [...document.querySelectorAll('#account-rows [data-account]')]"
        ".map(r => r.dataset.account)"
    )
    assert page.evaluate(order) == ["alpha", "beta", "gamma"]
    page.select_option("#account-sort", "growth7")
    page.wait_for_function(f"({order})()[0] === 'beta'")
    assert page.evaluate(order) == ["beta", "alpha", "gamma"]
    assert page.url.endswith("/accounts/")  # in place, no reload
    page.fill("#account-search", "a")  # the search keeps the chosen order
    page.wait_for_load_state("networkidle")
    page.select_option("#account-sort", "decline7")
    page.wait_for_function(f"({order})()[0] === 'gamma'")
    assert page.evaluate(order) == ["gamma", "alpha", "beta"]
