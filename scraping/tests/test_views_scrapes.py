"""The scrape modal, its progress polling, and the Scrapes page actions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from accounts_app.tests import factories
from scraping.models import Direction, Scrape, ScrapeList

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(client: Client) -> Client:
    return factories.logged_in(client)


HX = {"HTTP_HX_REQUEST": "true"}


def test_modal_form_is_a_fragment_prefilled_with_the_handle(owner_client: Client) -> None:
    html = owner_client.get("/scrapes/new/", {"handle": "alice"}, **HX).content.decode()
    assert "<html" not in html
    assert 'id="modal-title"' in html and 'value="alice"' in html
    assert 'value="both" class="choice-input peer" checked' in html


@pytest.mark.parametrize(
    "typed,message",
    [
        ("", "Enter an Instagram username"),
        ("https://example.com/alice", "not an Instagram address"),
        ("instagram.com/reel/abc/", "is a reel, not a profile"),
        ("bad name!", "not a valid Instagram username"),
        # Too long for any username: the same rule, not the form's length error.
        ("a" * 500, "not a valid Instagram username"),
        ("instagram.com/" + "b" * 400, "not a valid Instagram username"),
    ],
)
def test_bad_handles_are_refused_inline_keeping_what_was_typed(
    owner_client: Client,
    typed: str,
    message: str,
) -> None:
    response = owner_client.post("/scrapes/new/", {"handle": typed, "lists": "followers"}, **HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="handle-error"' in html and message in html
    assert f'value="{typed}"' in html
    assert 'value="followers" class="choice-input peer" checked' in html
    assert not Scrape.objects.exists()


def test_a_second_scrape_of_a_busy_account_is_refused_with_a_link_to_the_first(
    owner_client: Client,
) -> None:
    target = factories.tracked("alice", followers=2, following=1, mutual=0, days=1)
    running = factories.scrape(target, status=Scrape.Status.RUNNING)
    html = owner_client.post(
        "/scrapes/new/", {"handle": "@alice", "lists": "both"}, **HX
    ).content.decode()
    assert "already has scrape" in html
    assert f'href="/scrapes/{running.pk}/"' in html
    assert 'value="@alice"' in html


def test_starting_a_scrape_returns_its_polling_progress(owner_client: Client) -> None:
    response = owner_client.post(
        "/scrapes/new/",
        {
            "handle": "https://www.instagram.com/Alice.Two/",
            "lists": "following",
            "use_private_login": "on",
        },
        **HX,
    )
    scrape = Scrape.objects.get()
    assert scrape.target.user.username == "alice.two"
    assert (scrape.lists, scrape.use_private_login, scrape.trigger) == ("following", True, "manual")
    html = response.content.decode()
    assert f'hx-get="/scrapes/{scrape.pk}/progress/"' in html and 'hx-trigger="every 1s"' in html


def test_without_javascript_the_form_redirects_to_the_progress_page(owner_client: Client) -> None:
    response = owner_client.post("/scrapes/new/", {"handle": "alice", "lists": "both"})
    scrape = Scrape.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/scrapes/{scrape.pk}/"
    assert not scrape.use_private_login  # an unticked checkbox sends nothing


def test_progress_shows_counts_and_state_messages(owner_client: Client) -> None:
    target = factories.tracked("alice", followers=2, following=1, mutual=0, days=1)
    scrape = factories.scrape(
        target,
        status=Scrape.Status.WAITING_RATE_LIMIT,
        resume_at=timezone.now() + dt.timedelta(minutes=5),
    )
    ScrapeList.objects.filter(scrape=scrape, direction=Direction.FOLLOWER).update(
        fetched=40, expected=160
    )
    response = owner_client.get(f"/scrapes/{scrape.pk}/progress/", **HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Waiting for the rate limit until" in html
    assert 'data-fetched="40"' in html and "40 / 160 (25 %)" in html
    Scrape.objects.filter(pk=scrape.pk).update(
        status=Scrape.Status.NEEDS_ATTENTION, error_message="Confirm it is you in the app."
    )
    html = owner_client.get(f"/scrapes/{scrape.pk}/progress/", **HX).content.decode()
    assert "Needs attention: Confirm it is you in the app." in html


def test_progress_stops_polling_and_redirects_when_the_scrape_ends(owner_client: Client) -> None:
    target = factories.tracked("alice", followers=2, following=1, mutual=0, days=1)
    response = owner_client.get(f"/scrapes/{target.last_scrape_id}/progress/", **HX)
    assert response.status_code == 286
    assert response["HX-Redirect"] == "/accounts/alice/"
    assert 'hx-trigger="every 1s"' not in response.content.decode()


def test_a_failed_scrape_stops_polling_but_stays_to_show_why(owner_client: Client) -> None:
    target = factories.tracked("alice", followers=2, following=1, mutual=0, days=1)
    failed = factories.scrape(target, status=Scrape.Status.FAILED, error_message="No such account.")
    response = owner_client.get(f"/scrapes/{failed.pk}/progress/", **HX)
    assert response.status_code == 286
    assert "HX-Redirect" not in response
    assert "Failed: No such account." in response.content.decode()


def test_scrapes_page_lists_runs_with_reason_and_actions(owner_client: Client) -> None:
    target = factories.tracked("alice", followers=2, following=1, mutual=0, days=1)
    failed = factories.scrape(target, status=Scrape.Status.FAILED, error_message="No such account.")
    partial = factories.scrape(
        target,
        status=Scrape.Status.PARTIAL,
        error_message="follower: Instagram capped the list (should_limit_list_of_followers)",
    )
    ScrapeList.objects.filter(scrape=partial, direction=Direction.FOLLOWER).update(
        fetched=50, expected=5097, capped=True, complete=False
    )
    html = owner_client.get("/scrapes/").content.decode()
    assert "No such account." in html  # a failure's own message
    # A partial run says why in plain words, never the engine's flag.
    assert "Instagram showed only 50 of 5,097 followers" in html
    assert "should_limit" not in html
    assert html.count('data-scrape="') == 3
    assert f'data-scrape="{failed.pk}"' in html
    assert "Retry" in html


def test_cancel_stops_an_active_scrape(owner_client: Client) -> None:
    target = factories.tracked("alice", followers=2, following=1, mutual=0, days=1)
    running = factories.scrape(target, status=Scrape.Status.RUNNING)
    response = owner_client.post(f"/scrapes/{running.pk}/cancel/", {"next": "/scrapes/"})
    assert response.status_code == 302
    running.refresh_from_db()
    assert running.status == Scrape.Status.CANCELLED
    again = owner_client.post(f"/scrapes/{running.pk}/cancel/", {"next": "https://evil.example/"})
    assert again["Location"] == "/scrapes/"


def test_retry_of_a_failed_scrape_starts_a_new_one_with_the_same_choices(
    owner_client: Client,
) -> None:
    target = factories.tracked("alice", followers=2, following=1, mutual=0, days=1)
    failed = factories.scrape(
        target, status=Scrape.Status.FAILED, lists=Scrape.Lists.FOLLOWERS, use_private_login=False
    )
    response = owner_client.post(f"/scrapes/{failed.pk}/retry/", **HX)
    new = Scrape.objects.filter(target=target, status=Scrape.Status.QUEUED).get()
    assert response["HX-Redirect"] == f"/scrapes/{new.pk}/"
    assert (new.lists, new.use_private_login) == ("followers", False)


def test_retry_of_a_not_found_scrape_asks_for_its_handle_again(owner_client: Client) -> None:
    gone = Scrape.objects.create(
        target=None,
        target_username="typo_name",
        status=Scrape.Status.FAILED,
        lists=Scrape.Lists.FOLLOWERS,
        error_code="not_found",
        error_message="Not found: Instagram has no account @typo_name.",
    )
    page = owner_client.get(f"/scrapes/{gone.pk}/").content.decode()
    assert "@typo_name" in page and "Not found" in page and "/accounts/typo_name" not in page

    response = owner_client.post(f"/scrapes/{gone.pk}/retry/", **HX)

    new = Scrape.objects.get(status=Scrape.Status.QUEUED)
    assert response["HX-Redirect"] == f"/scrapes/{new.pk}/"
    assert new.target is not None and new.target.user.username == "typo_name"
    assert (new.target_username, new.lists) == ("typo_name", "followers")


def test_retry_of_a_scrape_needing_attention_resumes_it(owner_client: Client) -> None:
    target = factories.tracked("alice", followers=2, following=1, mutual=0, days=1)
    stuck = factories.scrape(target, status=Scrape.Status.NEEDS_ATTENTION)
    owner_client.post(f"/scrapes/{stuck.pk}/retry/")
    stuck.refresh_from_db()
    assert stuck.status == Scrape.Status.QUEUED
    assert Scrape.objects.filter(target=target).count() == 2


def test_a_running_scrape_whose_worker_stopped_says_it_will_resume(
    owner_client: Client, settings: Any
) -> None:
    settings.SCRAPE_STALE_SECONDS = 180
    target = factories.tracked("alice", followers=2, following=1, mutual=0, days=1)
    scrape = factories.scrape(
        target,
        status=Scrape.Status.RUNNING,
        heartbeat_at=timezone.now() - dt.timedelta(seconds=181),
    )
    assert scrape.worker_stopped

    for page in ("/scrapes/", f"/scrapes/{scrape.pk}/", "/"):
        html = owner_client.get(page).content.decode()
        assert "Worker stopped, will resume" in html, page
        assert ">Running<" not in html, page
    progress = owner_client.get(f"/scrapes/{scrape.pk}/progress/", **HX)
    assert progress.status_code == 200  # still polled: it comes back by itself
    assert "Worker stopped, will resume" in progress.content.decode()

    # A heartbeat within the threshold is an ordinary running scrape.
    Scrape.objects.filter(pk=scrape.pk).update(heartbeat_at=timezone.now())
    scrape.refresh_from_db()
    assert not scrape.worker_stopped
    html = owner_client.get("/scrapes/").content.decode()
    assert "Worker stopped" not in html and ">Running<" in html


@override_settings(TIME_ZONE="Asia/Tokyo")
def test_the_rate_limit_wait_names_its_time_zone(owner_client: Client) -> None:
    target = factories.tracked("alice", followers=2, following=1, mutual=0, days=1)
    resume = timezone.now() + dt.timedelta(minutes=5)
    scrape = factories.scrape(target, status=Scrape.Status.WAITING_RATE_LIMIT, resume_at=resume)
    html = owner_client.get(f"/scrapes/{scrape.pk}/progress/", **HX).content.decode()
    assert f"until {timezone.localtime(resume):%H:%M} JST" in html
