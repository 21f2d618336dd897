"""What the owner reads once a scrape has finished, for real scrapes of the
simulator over HTTP: the scrape's page gives the result per list (fetched, new,
lost, complete or partial in plain words) with links to the new and lost lists,
the Scrapes page gives each row's delta, and a partial list is explained in
words on the scrape and account pages, never by an internal flag."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts_app.models import LoginCredential
from accounts_app.tests import factories
from scraping import services
from scraping.models import Scrape
from scraping.tests.sim_control import Sim

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_limits")]
INTERNAL = ("should_limit", "list_capped", "non-zero count", "cursor")
MINUS = "\N{MINUS SIGN}"  # what the pages print before a lost count


@pytest.fixture
def browser(client: Client) -> Client:
    return factories.logged_in(client)


def scrape(handle: str, **kwargs: Any) -> Scrape:
    result = services.run_scrape(services.create_scrape(handle, **kwargs).pk)
    assert result is not None
    return result


def text(response: Any) -> str:
    """The page as words: tags dropped, entities and whitespace folded."""
    assert response.status_code == 200
    body = re.sub(r"<script.*?</script>", " ", response.content.decode(), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_finished_scrape_page_shows_the_result_with_links_to_new_and_lost(
    sim: Sim, owner: LoginCredential, browser: Client
) -> None:
    scrape("demo_small", source="private")
    sim.advance()
    second = scrape("demo_small", source="private")
    stats = second.stats
    assert second.status == Scrape.Status.SUCCEEDED and stats.new_followers and stats.lost_followers
    followers = second.parts.get(direction=1)

    page = browser.get(f"/scrapes/{second.pk}/")
    words = text(page)

    assert "Scraping @demo_small" not in words
    assert "Scrape of @demo_small done" in words
    # Its finishing time names its zone, as every other time does (#22.10).
    finished = f"Finished {timezone.localtime(second.finished_at):%b %-d, %H:%M} UTC"
    assert finished in words
    assert 'role="progressbar"' not in page.content.decode()
    assert (
        f"followers Complete {followers.fetched:,} fetched of {followers.expected:,} · "
        f"{stats.new_followers:,} new · {stats.lost_followers:,} lost"
    ) in words
    assert "following Complete" in words
    assert re.search(
        r"Finished \w{3} \d+, \d\d:\d\d UTC · took [\d ]+s · private client as @demo_owner", words
    )
    body = page.content.decode()
    new_link = f'href="/accounts/demo_small/?tab=followers&amp;at={second.pk}&amp;show=new#lists"'
    lost_link = f'href="/accounts/demo_small/?tab=followers&amp;at={second.pk}&amp;show=lost#lists"'
    assert new_link in body and lost_link in body

    # The link opens exactly the new followers of that scrape.
    listed = browser.get(f"/accounts/demo_small/?tab=followers&at={second.pk}&show=new")
    assert len(re.findall(r'<li class="[^"]*" data-user=', listed.content.decode())) == min(
        stats.new_followers, 50
    )


def test_scrapes_page_shows_each_rows_delta(
    sim: Sim, owner: LoginCredential, browser: Client
) -> None:
    scrape("demo_small", source="private")
    sim.advance()
    second = scrape("demo_small", source="private")
    stats = second.stats

    words = text(browser.get("/scrapes/"))

    assert (
        f"followers +{stats.new_followers:,} / {MINUS}{stats.lost_followers:,} · "
        f"following +{stats.new_following:,} / {MINUS}{stats.lost_following:,}"
    ) in words


def test_a_capped_list_is_explained_in_plain_words_everywhere(
    sim: Sim, owner: LoginCredential, browser: Client
) -> None:
    capped = scrape("demo_capped", lists="followers", source="private")
    assert capped.status == Scrape.Status.PARTIAL
    part = capped.parts.get()
    said = (
        f"Instagram showed only {part.fetched:,} of {part.expected:,} followers, then stopped "
        "listing them"
    )

    detail = text(browser.get(f"/scrapes/{capped.pk}/"))
    listing = text(browser.get("/scrapes/"))
    account = text(browser.get("/accounts/demo_capped/"))

    for words in (detail, listing, account):
        assert said in words
        assert "marked nobody lost" in words
        for internal in INTERNAL:
            assert internal not in words
    assert detail.count(said) == 1  # once, not once per place the engine wrote it
    assert "followers Partial" in detail and "lost not judged" in detail
    # In words, not a minus and a question mark whose meaning hides in a tooltip no phone can show.
    assert f"followers +{part.fetched} / lost not judged" in listing
    assert "no point in the chart" in account
    assert f"+{part.fetched} followers · lost not judged" in account  # its history
    for words in (listing, account):
        assert f"{MINUS}?" not in words


def test_a_running_scrape_still_shows_its_progress(browser: Client) -> None:
    target = factories.tracked("alice", followers=2, following=1, mutual=0, days=1)
    running = factories.scrape(target, status=Scrape.Status.RUNNING)

    page = browser.get(f"/scrapes/{running.pk}/")

    assert "Scraping @alice" in text(page)
    assert 'role="progressbar"' in page.content.decode()
