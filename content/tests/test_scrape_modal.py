"""The scrape modal's "Posts and reels" over real HTTP against the simulator:
ticked, it starts a scrape with the content part and the options chosen, and
the progress partial shows the part's posts, pages and time left; unticked, it
starts the scrape scraping's own form would. content.runner.progress's time
left is checked on a part stopped by a 429 half-way."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from accounts_app.models import LoginCredential
from content import runner
from content import services as content_services
from content.models import ContentPart
from content.tests.test_content_scrape import run_until_done, stored
from scraping import services
from scraping.models import Scrape
from scraping.tests.sim_control import Sim

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_limits")]
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def browser_owner(client: Client) -> Client:
    client.force_login(User.objects.create_superuser("boss", "", "pw"))
    return client


def post(client: Client, **fields: str) -> str:
    data = {"handle": "demo_small", "lists": "followers", "use_private_login": "on", **fields}
    return client.post("/scrapes/new/", data, **HX).content.decode()


def test_the_modal_offers_posts_and_reels(browser_owner: Client) -> None:
    html = browser_owner.get("/scrapes/new/", {"handle": "alice"}, **HX).content.decode()

    assert 'name="content"' in html and "Posts and reels" in html
    assert 'name="content_window" value="last"' in html and 'name="since"' in html
    assert 'value="alice"' in html  # scraping's modal around it, as before


def test_ticked_it_lists_the_last_n_posts_and_the_progress_shows_them(
    sim: Sim, owner: LoginCredential, browser_owner: Client
) -> None:
    html = post(browser_owner, content="on", content_window="last", posts="3")

    scrape = Scrape.objects.get()
    part = ContentPart.objects.get(scrape=scrape)
    assert (part.mode, part.limit, part.since) == (ContentPart.Mode.LAST, 3, None)
    assert scrape.lists == Scrape.Lists.FOLLOWERS
    assert 'data-extra="posts and reels"' in html and "0 posts listed · 0 pages" in html
    done = run_until_done(scrape)
    assert done.status == Scrape.Status.SUCCEEDED, done.error_message

    html = browser_owner.get(f"/scrapes/{done.pk}/progress/", **HX).content.decode()
    listed = len(stored("demo_small"))
    assert 3 <= listed <= 6  # the 3 newest of the grid and of the reels tab
    # Finished: what the part did, not how far it got.
    assert f"{listed} posts seen · {listed} new · 0 removed" in html
    assert 'data-complete="true"' in html and "left" not in html


def test_since_a_date_is_stored_as_that_day_from_midnight(
    sim: Sim, owner: LoginCredential, browser_owner: Client
) -> None:
    post(browser_owner, content="on", content_window="since", since="2026-01-31")

    part = ContentPart.objects.get()
    assert part.mode == ContentPart.Mode.SINCE and part.limit is None
    assert timezone.localtime(part.since).date() == dt.date(2026, 1, 31)


def test_unticked_it_starts_the_scrape_scraping_would(
    sim: Sim, owner: LoginCredential, browser_owner: Client
) -> None:
    # The window fields filled in but the box left unticked: no content part.
    post(browser_owner, content_window="last", posts="3")

    scrape = Scrape.objects.get()
    assert not ContentPart.objects.exists()
    assert scrape.lists == Scrape.Lists.FOLLOWERS


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"content_window": "last"}, "Enter how many of the latest posts to list."),
        ({"content_window": "last", "posts": "0"}, "greater than or equal to 1"),
        ({"content_window": "last", "posts": "many"}, "whole number"),
        ({"content_window": "since"}, "Enter the date of the oldest post to list."),
        ({"content_window": "since", "since": "2026-13-01"}, "YYYY-MM-DD"),
        ({"content_window": "since", "since": "2999-01-01"}, "in the future"),
    ],
)
def test_bad_content_options_are_refused_inline(
    owner: LoginCredential, browser_owner: Client, fields: dict[str, str], error: str
) -> None:
    html = post(browser_owner, content="on", **fields)

    assert error in html and 'role="alert"' in html
    ticked = 'name="content" class="choice-input peer" aria-describedby="content-help" checked'
    assert ticked in html
    assert not Scrape.objects.exists()


def test_a_part_stopped_half_way_shows_its_progress_and_time_left(
    sim: Sim, owner: LoginCredential, browser_owner: Client
) -> None:
    # 320 posts; the 429 after a few requests parks the scrape part-way.
    sim.scenarios("demo_big", rate_limit={"after": 4, "for": 2, "retry_after": 60})
    scrape = content_services.create_scrape("demo_big", posts=200, source="private")
    services.run_scrape(scrape.pk)
    scrape.refresh_from_db()
    assert scrape.status == Scrape.Status.WAITING_RATE_LIMIT
    part = ContentPart.objects.get(scrape=scrape)
    assert 0 < part.feed_items < 200 and part.started_at is not None

    # Seen 90 s after its first page: elapsed x (1 - done) / done left.
    line = runner.progress(part, now=part.started_at + dt.timedelta(seconds=90))
    done = runner.done_fraction(part, timezone.now())
    assert done is not None and 0 < done < 1
    assert line.seconds_left == pytest.approx(90 * (1 - done) / done)
    assert line.percent == round(100 * done)
    assert line.fetched == part.fetched > 0 and line.pages == part.feed_pages + part.clips_pages

    html = browser_owner.get(f"/scrapes/{scrape.pk}/progress/", **HX).content.decode()
    assert f"{part.fetched} posts listed" in html
    assert "left" in html and "data-eta" in html


def test_all_posts_has_no_estimate(sim: Sim, owner: LoginCredential) -> None:
    # Instagram's answers never say how many posts there are.
    sim.scenarios("demo_big", rate_limit={"after": 4, "for": 2, "retry_after": 60})
    scrape = content_services.create_scrape("demo_big", source="private")
    services.run_scrape(scrape.pk)
    part = ContentPart.objects.get(scrape=scrape)

    line = runner.progress(part)
    assert part.feed_pages >= 1
    assert line.percent is None and line.seconds_left is None


def test_posts_only_starts_a_scrape_without_follower_lists(
    sim: Sim, owner: LoginCredential, browser_owner: Client
) -> None:
    html = browser_owner.get("/scrapes/new/", **HX).content.decode()
    assert 'name="lists" value="none"' in html and "Posts and reels only" in html

    post(browser_owner, lists="none")  # the box need not be ticked: it is the scrape

    scrape = Scrape.objects.get()
    assert scrape.lists == Scrape.Lists.NONE and not scrape.parts.exists()
    assert ContentPart.objects.get(scrape=scrape).mode == ContentPart.Mode.ALL
    assert scrape.fresh is False
    done = run_until_done(scrape)
    assert done.status == Scrape.Status.SUCCEEDED, done.error_message


def test_fresh_data_is_asked_for_from_the_modal(
    sim: Sim, owner: LoginCredential, browser_owner: Client
) -> None:
    post(browser_owner, lists="none", fresh="on")

    assert Scrape.objects.get().fresh is True


def test_the_result_page_says_what_the_content_part_did(
    sim: Sim, owner: LoginCredential, browser_owner: Client
) -> None:
    first = content_services.create_scrape("demo_small", source="private")
    first = run_until_done(first)
    count = len(sim.content("demo_small"))
    sim.advance(1)
    sim.scenarios("demo_small", content_cursor_loop=True)
    partial = run_until_done(content_services.create_scrape("demo_small", fresh=True))
    sim.scenarios("demo_small")
    complete = run_until_done(content_services.create_scrape("demo_small", fresh=True))

    page = browser_owner.get(f"/scrapes/{first.pk}/").content.decode()
    assert f"{count} posts seen · {count} new · 0 removed" in page
    page = browser_owner.get(f"/scrapes/{partial.pk}/").content.decode()
    assert "removals not judged" in page and "same cursor" in page
    assert 'data-complete="false"' in page
    page = browser_owner.get(f"/scrapes/{complete.pk}/").content.decode()
    part = ContentPart.objects.get(scrape=complete)
    assert part.removed == 1
    assert f"{part.fetched} posts seen · {part.new_posts} new · 1 removed" in page
