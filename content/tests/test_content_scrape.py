"""Content scrapes through the real engine and clients, over real HTTP against the
simulator: the posts stored are exactly the ones the simulator has, hidden counts
stay unknown, a partial listing removes nothing and a later complete one marks
the removed post, and a listing stopped by a 429 resumes without duplicates."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts_app.models import LoginCredential
from content import services as content_services
from content.models import ContentPart, Post, PostMetrics
from scraping import services
from scraping.models import RateLimitWindow, Scrape
from scraping.tests.sim_control import Sim

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_limits")]


def run_until_done(scrape: Scrape) -> Scrape:
    """Run the scrape, and again after each pause (as the resumer would), until it ends."""
    for _ in range(20):
        result = services.run_scrape(scrape.pk)
        scrape = Scrape.objects.get(pk=scrape.pk)
        if scrape.status not in (Scrape.Status.QUEUED, Scrape.Status.WAITING_RATE_LIMIT):
            return scrape
        # The pause is over: as if its time had passed (the limiter's own timing is
        # scraping's tests' business).
        RateLimitWindow.objects.update(blocked_until=None)
        Scrape.objects.filter(pk=scrape.pk).update(resume_at=timezone.now())
        assert result is not None or scrape.status != Scrape.Status.RUNNING
    raise AssertionError(f"scrape #{scrape.pk} never ended: {scrape.status}")


def content_scrape(handle: str, **kwargs: Any) -> Scrape:
    return run_until_done(content_services.create_scrape(handle, **kwargs))


def stored(username: str) -> dict[int, dict[str, Any]]:
    rows = {}
    for post in Post.objects.filter(target__user__username=username, removed_by__isnull=True):
        metrics = PostMetrics.objects.get(post=post, ended_by__isnull=True)
        rows[post.ig_pk] = {
            "shortcode": post.shortcode,
            "product_type": post.product_type,
            "taken_at": post.taken_at,
            "caption": post.caption,
            "likes": metrics.likes,
            "comments": metrics.comments,
            "plays": metrics.plays,
            "views": metrics.views,
            "duration": post.duration,
        }
    return rows


def expected(truth: list[dict[str, Any]], *, plays: bool) -> dict[int, dict[str, Any]]:
    return {
        int(post["pk"]): {
            "shortcode": post["shortcode"],
            "product_type": post["product_type"],
            "taken_at": dt.datetime.fromtimestamp(post["taken_at"], tz=dt.UTC),
            "caption": post["caption"],
            "likes": post["likes"],
            "comments": post["comments"],
            "plays": post["plays"] if plays else None,
            "views": post["views"],
            "duration": post["duration"],
        }
        for post in truth
    }


@pytest.mark.parametrize("client", ["private", "web"])
def test_a_content_scrape_stores_exactly_the_posts_the_simulator_has(
    sim: Sim, owner: LoginCredential, client: str
) -> None:
    done = content_scrape("demo_small", source=client)

    assert done.status == Scrape.Status.SUCCEEDED, done.error_message
    assert not done.parts.exists()  # no follower list was asked for
    truth = sim.content("demo_small")
    # Play counts come with the reels tab of a logged-in session (both clients list
    # it); the web timeline alone never carries them.
    assert stored("demo_small") == expected(truth, plays=True)
    part = ContentPart.objects.get(scrape=done)
    assert part.complete is True
    assert part.fetched == len(truth)
    # Hidden likes (-1, and the fake 3 with the flag) are unknown, never 0 or 3.
    hidden = [p for p in truth if p["likes"] is None]
    assert len(hidden) >= 2
    assert all(stored("demo_small")[int(p["pk"])]["likes"] is None for p in hidden)


def test_a_reel_in_both_listings_is_one_post(sim: Sim, owner: LoginCredential) -> None:
    content_scrape("demo_small", source="private")

    both = [p for p in sim.content("demo_small") if p["in_feed"] and p["in_clips"]]
    assert both
    for post in both:
        assert Post.objects.filter(ig_pk=post["pk"]).count() == 1


def test_a_partial_listing_removes_nothing_and_a_complete_one_marks_the_removed_post(
    sim: Sim, owner: LoginCredential
) -> None:
    first = content_scrape("demo_small", source="private")
    assert first.status == Scrape.Status.SUCCEEDED
    day0 = {int(p["pk"]) for p in sim.content("demo_small")}
    sim.advance(1)
    day1 = {int(p["pk"]) for p in sim.content("demo_small")}
    gone = day0 - day1
    assert gone  # the simulator removes one post of the 7 newest on day 1

    sim.scenarios("demo_small", content_cursor_loop=True)
    # fresh: the simulated day moved, the clock did not (answers are cached a day).
    partial = content_scrape("demo_small", source="private", fresh=True)

    assert partial.status == Scrape.Status.PARTIAL
    assert "same cursor" in partial.error_message
    assert ContentPart.objects.get(scrape=partial).complete is False
    assert not Post.objects.filter(removed_by__isnull=False).exists()

    sim.scenarios("demo_small")
    complete = content_scrape("demo_small", source="private", fresh=True)

    assert complete.status == Scrape.Status.SUCCEEDED
    removed = set(Post.objects.filter(removed_by=complete).values_list("ig_pk", flat=True))
    assert removed == gone
    assert set(stored("demo_small")) == day1


def test_a_listing_stopped_by_a_429_resumes_from_its_checkpoint_without_duplicates(
    sim: Sim, owner: LoginCredential
) -> None:
    sim.scenarios("demo_big", rate_limit={"after": 4, "for": 2, "retry_after": 1})

    done = content_scrape("demo_big", source="private")

    assert done.status == Scrape.Status.SUCCEEDED, done.error_message
    assert done.attempts > 1  # it was parked and resumed
    truth = sim.content("demo_big")
    assert len(truth) == 320
    assert set(stored("demo_big")) == {int(p["pk"]) for p in truth}
    assert Post.objects.filter(target__user__username="demo_big").count() == 320
    assert PostMetrics.objects.filter(post__target__user__username="demo_big").count() == 320


def test_the_last_n_posts_lists_only_those(sim: Sim, owner: LoginCredential) -> None:
    done = content_scrape("demo_big", source="private", posts=5)

    assert done.status == Scrape.Status.SUCCEEDED, done.error_message
    newest = sim.content("demo_big")
    feed = [int(p["pk"]) for p in newest if p["in_feed"]][:5]
    reels = [int(p["pk"]) for p in newest if p["in_clips"]][:5]
    assert set(stored("demo_big")) == set(feed) | set(reels)
    requests = [e.path for e in sim.log if "/feed/user/" in e.path or "/clips/user/" in e.path]
    assert len(requests) == 2  # one page of each listing, not 27


def test_a_second_content_scrape_writes_metrics_only_where_they_changed(
    sim: Sim, owner: LoginCredential
) -> None:
    content_scrape("demo_small", source="private")
    before = PostMetrics.objects.count()
    sim.advance(1)

    content_scrape("demo_small", source="private", fresh=True)

    changed = PostMetrics.objects.count() - before
    assert 0 < changed < Post.objects.count()  # only the young posts moved


def test_follower_lists_and_content_in_one_scrape(sim: Sim, owner: LoginCredential) -> None:
    done = content_scrape("demo_small", source="private", lists=Scrape.Lists.FOLLOWERS)

    assert done.status == Scrape.Status.SUCCEEDED, done.error_message
    assert done.parts.get().fetched == len(sim.truth("demo_small"))
    assert len(stored("demo_small")) == len(sim.content("demo_small"))


def test_bad_options_are_refused_with_a_reason(owner: LoginCredential) -> None:
    with pytest.raises(services.ScrapeError, match="not both"):
        content_services.create_scrape("demo_small", posts=3, since=dt.date(2026, 1, 1))
    with pytest.raises(services.ScrapeError, match="between 1 and"):
        content_services.create_scrape("demo_small", posts=0)
    with pytest.raises(services.ScrapeError, match="in the future"):
        content_services.create_scrape("demo_small", since=dt.date(2999, 1, 1))
    with pytest.raises(services.ScrapeError, match="Choose followers"):
        services.create_scrape("demo_small", lists=Scrape.Lists.NONE)
    assert not Scrape.objects.exists()


@pytest.mark.django_db(transaction=True)  # --wait runs the scrape in a thread of its own
def test_the_scrape_command_lists_content_and_prints_its_summary(
    sim: Sim, owner: LoginCredential
) -> None:
    out = io.StringIO()

    call_command("scrape", "@demo_small", "--content", "--client", "private", "--wait", stdout=out)

    text = out.getvalue()
    count = len(sim.content("demo_small"))
    assert f"posts and reels: {count} listed, {count} new, 0 removed, complete" in text
    assert "followers:" not in text  # --content alone lists no follower list
    scrape = Scrape.objects.get()
    assert scrape.lists == Scrape.Lists.NONE and scrape.trigger == Scrape.Trigger.COMMAND


def test_the_scrape_command_refuses_post_options_without_content(owner: LoginCredential) -> None:
    with pytest.raises(CommandError, match="add --content"):
        call_command("scrape", "demo_small", "--posts", "3")
    with pytest.raises(CommandError, match="not a date like 2026-01-31"):
        call_command("scrape", "demo_small", "--content", "--since", "2026-13-01")
    assert not Scrape.objects.exists()


def test_the_pages_of_a_content_only_scrape_open(sim: Sim, owner: LoginCredential) -> None:
    done = content_scrape("demo_small", source="private")
    client = Client()
    client.force_login(User.objects.create_superuser("boss", "", "pw"))

    for url in (
        reverse("scraping:detail", args=[done.pk]),
        reverse("scraping:progress_hx", args=[done.pk]),
        reverse("scraping:list"),
        reverse("accounts:detail", args=["demo_small"]),
        reverse("accounts:list"),
        reverse("home"),
    ):
        response = client.get(url, headers={"HX-Request": "true"} if "progress" in url else {})
        # 286: the progress partial's "stop polling" for a finished scrape.
        assert response.status_code in (200, 286), url
