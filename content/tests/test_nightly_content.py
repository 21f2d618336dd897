"""The nightly refresh and posts and reels, over real HTTP against the simulator:
a bookmarked account whose owner switched nightly content on gets a "since"
window of CONTENT_NIGHTLY_WINDOW_DAYS, and its listings stop paging once past
that window (requests counted in the simulator's log); without the switch the
nightly scrape has no content part."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from accounts_app.models import LoginCredential, TrackedAccount
from content import services as content_services
from content.models import ContentPart, NightlyContent, Post
from content.tests.test_content_scrape import run_until_done
from scraping import services
from scraping.instagram import endpoints as ep
from scraping.models import Scrape
from scraping.simulator.world import EPOCH
from scraping.tests.sim_control import Sim

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_limits")]


def content_requests(sim: Sim) -> int:
    # The grid: feed/user (private) or the web timeline query; the reels tab: clips/user.
    listings = ("/feed/user/", "/clips/user/", "/graphql/query")
    return sum(1 for e in sim.log if any(part in e.path for part in listings))


def bookmarked(handle: str) -> TrackedAccount:
    done = run_until_done(services.create_scrape(handle, Scrape.Lists.FOLLOWING))
    TrackedAccount.objects.filter(pk=done.target_id).update(bookmarked=True)
    return TrackedAccount.objects.get(pk=done.target_id)


def test_the_nightly_lists_only_the_window_and_stops_paging_past_it(
    sim: Sim, owner: LoginCredential, settings: object
) -> None:
    # The simulator's calendar starts on 2026-01-01: a window reaching 30 days
    # before that (the setting, in days from today).
    days = (timezone.now() - dt.datetime.fromtimestamp(EPOCH, dt.UTC)).days + 30
    settings.CONTENT_NIGHTLY_WINDOW_DAYS = days  # type: ignore[attr-defined]
    target = bookmarked("demo_big")
    content_services.set_nightly(target, True)
    truth = sim.content("demo_big")
    start = timezone.now() - dt.timedelta(days=days)
    young = {
        int(p["pk"]) for p in truth if dt.datetime.fromtimestamp(p["taken_at"], dt.UTC) >= start
    }
    assert 0 < len(young) < len(truth) / 4  # a window of a few pages out of 27 a listing
    before = content_requests(sim)

    (scrape,) = services.refresh_bookmarked()
    done = run_until_done(scrape)

    assert done.status == Scrape.Status.SUCCEEDED, done.error_message
    part = ContentPart.objects.get(scrape=done)
    assert part.mode == ContentPart.Mode.SINCE
    assert abs((part.since - start).total_seconds()) < 60
    stored = set(Post.objects.filter(target=target).values_list("ig_pk", flat=True))
    assert young <= stored
    # Stopped once past the window: the pages the young posts fill, plus the one
    # page that went past (and the pinned head), per listing - not 27 pages each.
    requests = content_requests(sim) - before
    feed_young = sum(1 for p in truth if p["in_feed"] and int(p["pk"]) in young)
    clips_young = sum(1 for p in truth if p["in_clips"] and int(p["pk"]) in young)
    most = (feed_young // ep.CONTENT_PAGE_SIZE + 2) + (clips_young // ep.CONTENT_PAGE_SIZE + 2)
    assert 2 <= requests <= most, requests
    full = len(truth) // ep.CONTENT_PAGE_SIZE
    assert requests < full


def test_without_the_switch_the_nightly_lists_no_posts(sim: Sim, owner: LoginCredential) -> None:
    target = bookmarked("demo_small")
    content_services.set_nightly(target, True)
    content_services.set_nightly(target, False)
    before = content_requests(sim)

    (scrape,) = services.refresh_bookmarked()
    run_until_done(scrape)

    assert not ContentPart.objects.filter(scrape=scrape).exists()
    assert content_requests(sim) == before


def test_the_owner_flips_the_switch_on_the_account_page(
    sim: Sim, owner: LoginCredential, client: Client
) -> None:
    target = bookmarked("demo_small")
    client.force_login(User.objects.create_superuser("boss", "", "pw"))
    page = client.get("/accounts/demo_small/").content.decode()
    assert 'data-nightly-content="demo_small"' in page and "Nightly posts: off" in page

    url = "/accounts/demo_small/nightly-content/"
    html = client.post(url, {"on": "1"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Nightly posts: on" in html and 'aria-pressed="true"' in html
    assert NightlyContent.objects.filter(target=target).exists()
    assert "Nightly posts: on" in client.get("/accounts/demo_small/").content.decode()

    response = client.post(url, {"on": "0"})  # without JavaScript: back to the page
    assert response.status_code == 302 and response["Location"] == "/accounts/demo_small/"
    assert not NightlyContent.objects.exists()
    assert client.get(url).status_code == 405
