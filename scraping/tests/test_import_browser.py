"""The account page's import form in a real browser: a refused file explains
itself under the field; the export then imports and the page shows the result."""

from __future__ import annotations

import pytest

from accounts_app.tests import factories
from igdash.tests.ui import log_in, owner
from scraping.models import Scrape
from scraping.tests.import_builders import export_zip

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_upload_refused_then_accepted(page, live_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    owner()
    factories.tracked("alice", followers=4, following=2, mutual=1, days=1)
    bad = tmp_path / "notes.txt"
    bad.write_text("not an export")
    good = tmp_path / "instagram-alice.zip"
    good.write_bytes(export_zip([["new.fan", "alice_f00000"]], ["alice_f00000"]))
    log_in(page, live_server)
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{live_server.url}/accounts/alice/")

    page.click("summary:has-text('Import Instagram')")
    page.set_input_files("#import-files", str(bad))
    page.click("#import button[type=submit]")
    page.wait_for_selector("#import-error")

    assert "notes.txt is not part of an Instagram export" in page.inner_text("#import-error")
    assert page.get_attribute("#import-files", "aria-invalid") == "true"
    page.screenshot("refused")
    # The refusal is answered 400 on purpose; anything else still fails the test.
    page.problems[:] = [p for p in page.problems if "400" not in p]

    page.set_input_files("#import-files", [str(good)])
    page.click("#import button[type=submit]")
    page.wait_for_selector("text=Imported the data export of @alice")

    scrape = Scrape.objects.get(source=Scrape.Source.IMPORT)
    assert page.url == f"{live_server.url}/accounts/alice/"
    assert page.locator('[data-user="new.fan"]').count() == 1
    assert (scrape.stats.new_followers, scrape.stats.lost_followers) == (1, 3)
    page.screenshot("imported")
