"""The scrape modal's "Posts and reels" in a browser against the simulator: the
owner ticks it, asks for the last N posts, and the progress shows the part's
posts, pages and time left.

The scrape runs in the test's own thread while no page is open (the browser is
sent to about:blank): the live server's requests and the engine share one
in-memory SQLite database, whose table locks would fail a poll that meets a
write. A 429 from the simulator parks the scrape half-way, so the progress
page shows a part in mid-listing with its estimate."""

from __future__ import annotations

import pytest

from content.models import ContentPart, Post
from content.tests.test_content_scrape import run_until_done
from igdash.tests.ui import log_in, owner
from scraping import services
from scraping.models import Scrape
from scraping.tasks import scrape_task
from scraping.tests.test_browser_scrape_modal import simulated_instagram  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_modal_starts_a_content_scrape_and_shows_its_progress(  # type: ignore[no-untyped-def]
    page,
    live_server,
    simulated_instagram,  # noqa: F811 (the fixture imported above)
    monkeypatch,
) -> None:
    queued: list[int] = []
    monkeypatch.setattr(scrape_task, "delay_on_commit", queued.append)
    owner()
    # The requests of the follower list, counted on a run of the same list, so
    # the scrape below can be stopped by a 429 after one page of posts.
    before = len(simulated_instagram.log)
    run_until_done(services.create_scrape("demo_small", Scrape.Lists.FOLLOWERS))
    follower_pages = len(simulated_instagram.log) - before - 1  # and the profile
    page.set_viewport_size({"width": 768, "height": 1024})
    log_in(page, live_server)

    page.click("text=New scrape")
    page.wait_for_selector("dialog[open] #id_handle")
    page.fill("#id_handle", "demo_small")
    page.check("input[name=lists][value=followers]")
    page.check("input[name=content]")
    page.check("input[name=content_window][value=last]")
    page.click("text=Start scrape")
    page.wait_for_selector("#posts-error")
    assert "how many of the latest posts" in page.inner_text("#posts-error")
    assert page.is_checked("input[name=content]")  # what was chosen is kept
    page.fill("#id_posts", "50")
    page.screenshot("modal-content-options")
    page.click("text=Start scrape")
    extra = "dialog[open] [data-extra='posts and reels']"
    page.wait_for_selector(extra)
    assert "0 posts listed · 0 pages" in page.inner_text(extra)
    assert "No estimate" in page.inner_text(f"{extra} [data-eta]")
    page.goto("about:blank")  # stop the polling while the scrape writes

    scrape_id = queued[-1]
    # Counted from the scenario's start: the follower pages, one page of posts.
    limit = {"after": follower_pages + 1, "for": 2, "retry_after": 60}
    simulated_instagram.scenarios("demo_small", rate_limit=limit)
    services.run_scrape(scrape_id)
    assert Scrape.objects.get(pk=scrape_id).status == Scrape.Status.WAITING_RATE_LIMIT
    part = ContentPart.objects.get(scrape_id=scrape_id)
    assert part.feed_pages == 1 and part.fetched == 12

    page.goto(f"{live_server.url}/scrapes/{scrape_id}/")
    line = page.locator("[data-extra='posts and reels']")
    assert f"{part.fetched} posts listed" in line.inner_text()
    # Waiting 60 s for the rate limit: at least that long left.
    eta = line.locator("[data-eta]").inner_text()
    assert eta.startswith(("About 1 min", "About 59 s", "About 58 s")), eta
    assert line.locator("[role=progressbar]").get_attribute("aria-valuenow") not in (None, "0")
    page.screenshot("scrape-content-progress")
    page.goto("about:blank")

    simulated_instagram.scenarios("demo_small")
    done = run_until_done(Scrape.objects.get(pk=scrape_id))
    assert done.status == Scrape.Status.SUCCEEDED, done.error_message
    part.refresh_from_db()
    assert (part.mode, part.limit, part.complete) == (ContentPart.Mode.LAST, 50, True)
    assert Post.objects.filter(target=done.target).count() == part.fetched > 0

    page.goto(f"{live_server.url}/scrapes/{scrape_id}/")
    assert "Complete" in page.inner_text("[data-extra='posts and reels']")
    page.screenshot("scrape-content-done")


@pytest.mark.parametrize(("width", "scheme"), [(320, "dark"), (1440, "light")])
def test_posts_only_with_fresh_data_from_the_modal_and_its_result_page(  # type: ignore[no-untyped-def]
    page,
    live_server,
    simulated_instagram,  # noqa: F811 (the fixture imported above)
    monkeypatch,
    width,
    scheme,
) -> None:
    from igdash.tests.ui import check_layout

    queued: list[int] = []
    monkeypatch.setattr(scrape_task, "delay_on_commit", queued.append)
    owner()
    page.emulate_media(color_scheme=scheme)
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server)

    page.click("text=New scrape")
    page.wait_for_selector("dialog[open] #id_handle")
    page.fill("#id_handle", "demo_small")
    page.check("input[name=lists][value=none]")
    page.check("input[name=fresh]")
    page.screenshot(f"modal-posts-only-{width}-{scheme}")
    page.click("text=Start scrape")
    page.wait_for_selector("dialog[open] [data-extra='posts and reels']")
    page.goto("about:blank")  # stop the polling while the scrape writes

    scrape = Scrape.objects.get(pk=queued[-1])
    assert (scrape.lists, scrape.fresh) == (Scrape.Lists.NONE, True)
    done = run_until_done(scrape)
    assert done.status == Scrape.Status.SUCCEEDED, done.error_message
    part = ContentPart.objects.get(scrape=done)

    page.goto(f"{live_server.url}/scrapes/{done.pk}/")
    line = page.inner_text("[data-extra='posts and reels']")
    assert f"{part.fetched} posts seen · {part.fetched} new · 0 removed" in line
    assert "Complete" in line
    check_layout(page)
    page.screenshot(f"scrape-content-result-{width}-{scheme}")
