"""The scrape modal end to end against the simulator: a bad handle is refused
inline keeping what was typed; a profile URL starts a scrape whose progress
advances on screen; the browser then lands on the account page with the new
data, without a reload.

The live server runs the scrape itself: `scrape_task.delay_on_commit` is
replaced by a thread started on commit that calls the engine's service
(scraping.services.run_scrape) in-process. A thread, not
CELERY_TASK_ALWAYS_EAGER: eager runs the whole scrape inside the POST, so there
would be no progress to watch. The thread shares the live server's database
connection (the in-memory test database is per connection)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from django.db import OperationalError, connections, transaction
from playwright.sync_api import Error as PlaywrightError

from igdash.tests.ui import log_in, owner
from scraping import services
from scraping.models import Relationship, Scrape
from scraping.services import logins
from scraping.tests.engine_fakes import fast_limits, isolated_vault  # noqa: F401 (fixtures)
from scraping.tests.sim_control import Sim, sim  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scrapes_in_threads(
    monkeypatch: pytest.MonkeyPatch, live_server: object
) -> Iterator[list[threading.Thread]]:
    from scraping.tasks import scrape_task

    # The very connection object the live server's request threads use.
    override = live_server.thread.connections_override  # type: ignore[attr-defined]
    shared = override.get("default") or connections["default"]
    shared.inc_thread_sharing()
    threads: list[threading.Thread] = []

    def run(scrape_id: int) -> None:
        connections["default"] = shared
        # The claim runs as the POST that queued the scrape renders its answer on
        # the same shared in-memory database, which may refuse the write ("database
        # table is locked"); the claim changed nothing then, so try it again.
        for _ in range(100):
            try:
                services.run_scrape(scrape_id)
                return
            except OperationalError as exc:
                if "locked" not in str(exc):
                    raise
                time.sleep(0.05)

    def delay_on_commit(scrape_id: int) -> None:
        def start() -> None:
            thread = threading.Thread(target=run, args=(scrape_id,), daemon=True)
            threads.append(thread)
            thread.start()

        transaction.on_commit(start)

    monkeypatch.setattr(scrape_task, "delay_on_commit", delay_on_commit)
    yield threads
    for thread in threads:
        thread.join(timeout=30)
    shared.dec_thread_sharing()


@pytest.fixture
def simulated_instagram(sim: Sim, settings, isolated_vault, fast_limits) -> Sim:  # type: ignore[no-untyped-def]  # noqa: F811
    settings.INSTAGRAM_WEB_URL = sim.base
    settings.INSTAGRAM_API_URL = sim.base
    logins.store_login("demo_owner", sessionid=sim.session("demo_owner"))
    return sim


def test_modal_scrape_shows_progress_then_lands_on_the_account(  # type: ignore[no-untyped-def]
    page, live_server, simulated_instagram, scrapes_in_threads
) -> None:
    owner()
    # 12 pages of 25: slow enough for several of the modal's one-second polls to
    # see the count move (the engine writes the pages of each second together).
    simulated_instagram.delay(400)
    page.set_viewport_size({"width": 768, "height": 1024})
    log_in(page, live_server)

    page.click("text=New scrape")
    page.wait_for_selector("dialog[open] #id_handle")
    page.fill("#id_handle", "instagram.com/p/Cx12ab/")
    page.click("text=Start scrape")
    page.wait_for_selector("#handle-error")
    assert "is a post, not a profile" in page.inner_text("#handle-error")
    assert page.input_value("#id_handle") == "instagram.com/p/Cx12ab/"
    assert page.get_attribute("#id_handle", "aria-invalid") == "true"
    page.screenshot("modal-error")

    page.fill("#id_handle", "https://www.instagram.com/demo_small/?hl=en")
    page.check("input[name=lists][value=followers]")
    page.click("text=Start scrape")
    page.wait_for_selector("dialog[open] [data-part=followers]")

    seen: list[int] = []
    deadline = time.monotonic() + 60
    while "/accounts/demo_small/" not in page.url and time.monotonic() < deadline:
        try:
            fetched = page.evaluate(
                "() => { const p = document.querySelector('[data-part=followers]');"
                " return p ? Number(p.dataset.fetched) : null; }"
            )
        except PlaywrightError:  # the redirect to the account page began
            break
        if fetched is not None and (not seen or fetched != seen[-1]):
            seen.append(fetched)
            if len(seen) == 2:
                page.screenshot("modal-progress")
        time.sleep(0.2)
    page.wait_for_url(f"{live_server.url}/accounts/demo_small/", timeout=30_000)

    scrape = Scrape.objects.get(target__user__username="demo_small")
    assert scrape.status == Scrape.Status.SUCCEEDED, scrape.error_message
    stored = Relationship.objects.filter(target=scrape.target, ended_by__isnull=True).count()
    assert stored == 300
    # Progress moved on screen: intermediate counts between nothing and everything.
    assert any(0 < value < 300 for value in seen), seen
    assert seen == sorted(seen)
    page.wait_for_load_state("networkidle")
    assert page.locator("#relationship-rows [data-user]").count() == 50
    assert "300" in page.inner_text("main dl")
    page.screenshot("account-after-scrape")
