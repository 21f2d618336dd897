"""Comments scrapes through the real engine and clients, over real HTTP against the
simulator: the comments stored are exactly the simulator's, replies stay replies,
a re-run asks only for newer comments, removals are judged only by complete
listings, the web query's 50 cap makes a list partial, and a logout is a state."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts_app.models import LoginCredential
from audience import services
from audience.models import Comment, CommentPart, PostComments
from scraping.models import RateLimitWindow, Scrape
from scraping.tests.sim_control import Sim

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_limits")]


def run_until_done(scrape: Scrape) -> Scrape:
    from scraping import services as scraping_services

    for _ in range(20):
        scraping_services.run_scrape(scrape.pk)
        scrape = Scrape.objects.get(pk=scrape.pk)
        if scrape.status not in (Scrape.Status.QUEUED, Scrape.Status.WAITING_RATE_LIMIT):
            return scrape
        RateLimitWindow.objects.update(blocked_until=None)
        Scrape.objects.filter(pk=scrape.pk).update(resume_at=timezone.now())
    raise AssertionError(f"scrape #{scrape.pk} never ended: {scrape.status}")


def comments_truth(sim: Sim, username: str, posts: int) -> dict[str, Any]:
    response = httpx.get(
        f"{sim.base}/__sim__/comments", params={"username": username, "posts": posts}
    )
    response.raise_for_status()
    return dict(response.json())


def stored(username: str) -> dict[int, tuple[int, int, str, int | None]]:
    rows = Comment.objects.filter(
        target__user__username=username, removed_by__isnull=True, post__removed_by__isnull=True
    )
    return {
        c.ig_pk: (c.post.ig_pk, c.author.ig_pk, c.text, c.parent_pk)
        for c in rows.select_related("post", "author")
    }


def expected(truth: dict[str, Any]) -> dict[int, tuple[int, int, str, int | None]]:
    return {
        int(c["pk"]): (int(c["post_pk"]), int(c["author_pk"]), c["text"], c["parent_pk"])
        for c in truth["comments"]
    }


def test_the_private_client_stores_exactly_the_simulators_comments_with_replies(
    sim: Sim, owner: LoginCredential
) -> None:
    done = run_until_done(services.create_scrape("demo_big", posts=6, source="private"))

    assert done.status == Scrape.Status.SUCCEEDED, done.error_message
    truth = comments_truth(sim, "demo_big", 6)
    assert stored("demo_big") == expected(truth)
    assert any(c["parent_pk"] for c in truth["comments"])  # replies are kept as replies
    part = CommentPart.objects.get(scrape=done)
    assert part.complete is True
    states = set(PostComments.objects.filter(part=part).values_list("state", flat=True))
    assert states == {PostComments.State.COMPLETE}
    # Threads longer than the 2 preview replies were read through inline_child_comments,
    # and posts of more than 20 comments paged older with max_id.
    assert any("/inline_child_comments/" in e.path for e in sim.log)
    assert sum("/comments/" in e.path and "inline" not in e.path for e in sim.log) > 6


def test_the_web_client_stores_exactly_the_simulators_comments_below_the_cap(
    sim: Sim, owner: LoginCredential
) -> None:
    truth = comments_truth(sim, "demo_big", 12)
    small = [p for p in truth["posts"] if p["comment_count"] < 40]
    assert small

    done = run_until_done(services.create_scrape("demo_big", posts=12, source="web"))

    part = CommentPart.objects.get(scrape=done)
    for post in small:
        listing = PostComments.objects.get(part=part, post__ig_pk=post["pk"])
        assert listing.state == PostComments.State.COMPLETE, listing.reason
        got = {pk for pk, row in stored("demo_big").items() if row[0] == post["pk"]}
        want = {int(c["pk"]) for c in truth["comments"] if c["post_pk"] == post["pk"]}
        assert got == want


def test_a_comments_listing_stopped_by_a_429_resumes_without_duplicates(
    sim: Sim, owner: LoginCredential
) -> None:
    sim.scenarios("demo_big", rate_limit={"after": 6, "for": 2, "retry_after": 1})

    done = run_until_done(services.create_scrape("demo_big", posts=6, source="private"))

    assert done.status == Scrape.Status.SUCCEEDED, done.error_message
    assert done.attempts > 1  # parked by the 429, then resumed
    truth = expected(comments_truth(sim, "demo_big", 6))
    assert stored("demo_big") == truth
    assert Comment.objects.count() == len(truth)


def test_a_rerun_asks_only_for_newer_comments_and_marks_the_removed_ones(
    sim: Sim, owner: LoginCredential
) -> None:
    run_until_done(services.create_scrape("demo_big", posts=6, source="private"))
    before = stored("demo_big")
    sim.advance(2)
    sim.log.clear()

    # fresh: the day's cached listing would still hold the posts of day 1
    again = run_until_done(
        services.create_scrape("demo_big", posts=6, source="private", fresh=True)
    )

    assert again.status == Scrape.Status.SUCCEEDED, again.error_message
    truth = expected(comments_truth(sim, "demo_big", 6))
    assert stored("demo_big") == truth
    still = {post for post, *_ in truth.values()}
    gone = {pk for pk, row in before.items() if row[0] in still} - set(truth)
    assert gone  # the simulator removes some comments between days
    removed = set(Comment.objects.filter(removed_by=again).values_list("ig_pk", flat=True))
    assert removed == gone
    listings = PostComments.objects.filter(part__scrape=again)
    assert listings.filter(mode=PostComments.Mode.NEWER).exists()
    # A post whose newer comments add up asked with min_id, never from the top.
    asked = [e.path for e in sim.log if "/comments/" in e.path]
    assert asked


def test_the_web_query_capped_at_50_is_partial_never_complete(
    sim: Sim, owner: LoginCredential
) -> None:
    truth = comments_truth(sim, "demo_big", 12)
    big = [p for p in truth["posts"] if p["comment_count"] > 60]
    assert big, "the simulator's demo_big has a post with more than 50 comments"

    done = run_until_done(services.create_scrape("demo_big", posts=12, source="web"))

    assert done.status == Scrape.Status.PARTIAL
    part = CommentPart.objects.get(scrape=done)
    assert part.complete is False
    for post in big:
        listing = PostComments.objects.get(part=part, post__ig_pk=post["pk"])
        assert listing.state == PostComments.State.PARTIAL
        assert listing.reason
    # Nothing is ever marked removed by a partial listing.
    assert not Comment.objects.filter(removed_by__isnull=False).exists()


def test_logged_out_is_a_state_not_an_empty_list(sim: Sim, owner: LoginCredential) -> None:
    sim.server.world.revoke(owner_session(owner))

    done = run_until_done(services.create_scrape("demo_big", posts=3, source="web"))

    assert done.status in (Scrape.Status.NEEDS_ATTENTION, Scrape.Status.FAILED)
    assert not Comment.objects.exists()
    assert CommentPart.objects.get(scrape=done).complete is not True


def owner_session(login: LoginCredential) -> str:
    from scraping.services import logins

    return str(logins.web_sessionid(login))


@pytest.mark.django_db(transaction=True)  # --wait runs the scrape in a thread of its own
def test_the_command_scrapes_comments_and_says_so(sim: Sim, owner: LoginCredential) -> None:
    out = io.StringIO()
    call_command(
        "scrape",
        "@demo_big",
        "--comments",
        "--posts",
        "3",
        "--client",
        "private",
        "--wait",
        stdout=out,
    )

    text = out.getvalue()
    assert "comments of the last 3 posts:" in text
    assert "removed, complete" in text
    assert Comment.objects.count() == len(comments_truth(sim, "demo_big", 3)["comments"])


def test_the_command_refuses_bad_comment_options(owner: LoginCredential) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="between 1 and"):
        call_command("scrape", "demo_big", "--comments", "--posts", "0")
    with pytest.raises(CommandError, match="drop --content"):
        call_command("scrape", "demo_big", "--comments", "--content")
    assert not Scrape.objects.exists()
