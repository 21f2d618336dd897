"""The Settings section of notifications and the bell in a real browser at phone,
tablet and desktop widths, light and dark: adding a channel, sending it a test,
opening the bell and marking an event read. No sideways scrolling, no tap
target under 44 px; the screenshots are in test-artifacts/."""

from __future__ import annotations

import pytest

from accounts_app.tests import factories
from igdash.testing.browser import ARTIFACTS
from igdash.tests.ui import VIEWPORTS, check_layout, log_in, owner
from notify import channels
from notify.models import Event, Kind
from notify.tests.inbox import Inbox

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("isolated_vault"),
]


def _events() -> None:
    alice = factories.tracked("alice", followers=12, days=2)
    Event.objects.create(
        key="a",
        kind=Kind.LOST_FOLLOWERS,
        account=alice,
        text="@alice lost 3 followers: @a_very_long_username_that_goes_on_and_on, @bob and @carol",
        link="http://127.0.0.1:8000/accounts/alice/?tab=followers&show=lost",
    )
    Event.objects.create(
        key="b",
        kind=Kind.SCRAPE_WAITING,
        account=alice,
        text="@alice: scrape #7 waits for you: Instagram asks @demo_owner for a two-factor code.",
        link="http://127.0.0.1:8000/scrapes/7/",
    )


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("width,height", VIEWPORTS)
def test_settings_section_and_bell_fit_every_screen(  # type: ignore[no-untyped-def]
    page, live_server, inbox: Inbox, width: int, height: int, theme: str
) -> None:
    owner()
    _events()
    channels.create("Phone", inbox.url("phone"))
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, live_server)
    page.evaluate("t => localStorage.setItem('igdash-theme', t)", theme)

    page.goto(f"{live_server.url}/settings/")
    page.wait_for_load_state("networkidle")
    assert page.locator("#bell-count").inner_text() == "2"
    page.fill("#id_channel_name", "Desk")
    page.fill("#id_channel_url", inbox.url("desk"))
    page.fill("#id_quiet_start", "22:00")
    page.fill("#id_quiet_end", "07:00")
    page.click("#channel-add button[type=submit]")
    page.wait_for_selector("[data-channels-notice]")
    page.click("[data-channel=Desk] >> text=Send a test")
    page.wait_for_selector("[data-channel=Desk] [data-last=ok]")
    assert len(inbox.to("desk")) == 1
    assert inbox.url("desk").split("//")[1] not in page.content()
    page.locator("#notifications").scroll_into_view_if_needed()
    check_layout(page)
    page.screenshot(f"settings-{width}-{theme}")
    page.locator("#notifications").screenshot(
        path=str(ARTIFACTS / f"notify-section-{width}-{theme}.png")
    )

    page.evaluate("window.scrollTo(0, 0)")
    page.click("#bell summary")
    page.wait_for_selector("#bell-panel [data-events]")
    assert page.locator("#bell-panel [data-event]").count() == 2
    panel = page.locator("#bell-panel").bounding_box()
    assert panel is not None and panel["x"] >= 0 and panel["x"] + panel["width"] <= width
    check_layout(page)
    page.page.screenshot(path=str(ARTIFACTS / f"notify-bell-{width}-{theme}.png"))
    page.locator("#bell-panel >> text=Mark read").first.click()
    page.wait_for_selector("#bell-count[data-unread='1']", state="attached")
    page.click("#bell-panel >> text=Mark all read")
    page.wait_for_selector("#bell-count[data-unread='0']", state="attached")
    assert not Event.objects.filter(read=False).exists()
    page.keyboard.press("Escape")  # closes the bell
    assert page.evaluate("document.getElementById('bell').open") is False
    page.click("#bell summary")
    page.wait_for_selector("#bell-panel [data-events]")
    page.mouse.click(width - 3, height - 3)  # a tap outside (the panel is near the top)
    assert page.evaluate("document.getElementById('bell').open") is False


def test_a_refused_channel_shows_why_in_the_browser(page, live_server) -> None:  # type: ignore[no-untyped-def]
    """The refusal is swapped into the page (htmx 2 swaps only 2xx answers: a
    400 left the form as it was, with no word of what was wrong)."""
    owner()
    log_in(page, live_server)
    page.goto(f"{live_server.url}/settings/")
    page.fill("#id_channel_name", "Broken")
    page.fill("#id_channel_url", "nosuchservice://token-that-must-not-show")
    page.click("#channel-add button[type=submit]")
    error = page.wait_for_selector("#id_channel_url-error", timeout=10_000)
    assert error is not None
    assert "nosuchservice" in page.locator("#notifications").inner_text()
    assert "token-that-must-not-show" not in page.content()
