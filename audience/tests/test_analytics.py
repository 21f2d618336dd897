"""The cross-reference figures equal the ones computed by hand from the
simulator's truth (comments of the last 12 posts, today's follower list)."""

from __future__ import annotations

from collections import defaultdict

import pytest

from accounts_app.models import LoginCredential, TrackedAccount
from audience import analytics, services
from audience.tests.test_comments_scrape import comments_truth, run_until_done
from scraping.models import Scrape
from scraping.tests.sim_control import Sim

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_limits")]


def test_commenters_and_shares_match_the_simulators_truth(sim: Sim, owner: LoginCredential) -> None:
    target_pk = sim.profile_pk("demo_big")
    # Before any follower scrape: follows is unknown, never "no".
    run_until_done(services.create_scrape("demo_big", source="private"))
    target = TrackedAccount.objects.get(user__username="demo_big")
    assert {row.follows for row in analytics.commenters(target.pk)} == {None}

    done = run_until_done(
        services.create_scrape("demo_big", source="private", lists=Scrape.Lists.FOLLOWERS)
    )
    assert done.status == Scrape.Status.SUCCEEDED, done.error_message

    truth = comments_truth(sim, "demo_big", 12)
    followers = set(sim.truth("demo_big"))
    posts_of: dict[int, set[int]] = defaultdict(set)
    count_of: dict[int, int] = defaultdict(int)
    for comment in truth["comments"]:
        posts_of[comment["author_pk"]].add(comment["post_pk"])
        count_of[comment["author_pk"]] += 1
    rows = {row.ig_pk: row for row in analytics.commenters(target.pk)}

    assert set(rows) == set(posts_of)
    assert {pk: r.comments for pk, r in rows.items()} == dict(count_of)
    assert {pk: r.posts for pk, r in rows.items()} == {pk: len(p) for pk, p in posts_of.items()}
    assert {pk for pk, r in rows.items() if r.follows} == set(posts_of) & followers
    loyal = {pk for pk, posts in posts_of.items() if len(posts) >= 3}
    assert {pk for pk, r in rows.items() if r.loyal} == loyal
    assert loyal  # the demo cast has loyal commenters

    figures = analytics.shares(target.pk)
    follow = len(set(posts_of) & followers)
    assert figures["commenters"] == len(posts_of)
    assert figures["follow"] == follow
    assert figures["not_follow"] == len(posts_of) - follow
    assert figures["followers"] == len(followers)
    assert figures["engaged_followers_pct"] == round(100 * follow / len(followers), 1)
    private = sum(
        1 for c in {c["author_pk"]: c for c in truth["comments"]}.values() if c["is_private"]
    )
    assert figures["private"] == private
    # The pod: its members are flagged, together.
    members = {rows[pk].author_id for pk in truth["pod"] if pk in rows}
    assert len(members) >= 3
    flagged = analytics.flagged(target.pk)
    assert members <= flagged["pod_members"]
    assert target_pk  # the profile resolves


def test_helpers_say_what_is_emoji_only() -> None:
    assert analytics.emoji_only("🔥🔥🔥")
    assert analytics.emoji_only("👏 👏!")
    assert not analytics.emoji_only("Nice 🔥")
    assert not analytics.emoji_only("")
    assert analytics.normalised("Great  POST!") == "great post"
