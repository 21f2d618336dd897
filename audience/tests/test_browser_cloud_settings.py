"""The picture classifier's Settings section in a real browser, phone (390 px)
and desktop (1440 px), light and dark: the warning is shown before Face++ is
switched on, switching on without a key shows the error in place, the saved key
is never shown back, and nothing scrolls sideways. Screenshots (the page and
the section) are in test-artifacts/."""

from __future__ import annotations

import pytest

from audience.tests.facepp_fake import KEY, SECRET
from igdash.testing.browser import ARTIFACTS
from igdash.tests.ui import check_layout, log_in, owner

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("isolated_vault"),
]


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("width,height", [(390, 844), (1440, 900)])
def test_switching_face_pp_on_in_settings(  # type: ignore[no-untyped-def]
    page, live_server, width: int, height: int, theme: str
) -> None:
    owner()
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, live_server)
    page.evaluate("t => localStorage.setItem('igdash-theme', t)", theme)
    page.goto(f"{live_server.url}/settings/")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.dataset.theme") == theme
    section = page.locator("#picture-classifier")
    section.scroll_into_view_if_needed()
    warning = section.locator("[data-cloud-warning]")
    assert warning.is_visible() and "Profile pictures leave this machine" in warning.inner_text()
    assert section.locator("[data-classifier-now]").inner_text() == "off"
    check_layout(page)
    section.screenshot(path=str(ARTIFACTS / f"classifier-off-{width}-{theme}.png"))

    section.locator("label.choice").click()  # the switch, without a key
    section.locator("button[type=submit]").click()
    error = page.locator("#id_cloud_api_key-error")
    error.wait_for()
    assert "needs its API key and secret" in error.inner_text()

    page.fill("#id_cloud_api_key", KEY)
    page.fill("#id_cloud_api_secret", SECRET)
    page.locator("#picture-classifier button[type=submit]").click()
    page.wait_for_selector("[data-cloud-notice]")
    section = page.locator("#picture-classifier")
    assert section.locator("[data-classifier-now]").inner_text() == "Face++ (cloud)"
    assert page.locator("#id_cloud_api_key").input_value() == ""
    assert page.locator("#id_cloud_api_key").get_attribute("placeholder") == "saved"
    assert KEY not in page.content() and SECRET not in page.content()
    check_layout(page)
    page.screenshot(f"settings-classifier-{width}-{theme}")
    section.screenshot(path=str(ARTIFACTS / f"classifier-on-{width}-{theme}.png"))
