"""The interactive docs page in a real browser: Swagger UI from igdash's own
static files lists every operation, with no console error and no failed request
(the `page` fixture fails on those; tests reach loopback only)."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width,height", [(320, 640), (1440, 900)])
def test_the_docs_page_lists_every_operation(page, live_server, width, height) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".swagger-ui .opblock")
    paths = page.eval_on_selector_all(
        ".opblock-summary-path", "els => els.map(e => e.dataset.path)"
    )
    assert "/api/v1/scrapes/{scrape_id}/events" in paths and len(paths) >= 18
    page.screenshot(f"api-docs-{width}")
