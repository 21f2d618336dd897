"""The figures stored on each post (content/stored.py) are the definition's:
written when a content scrape finalises, moved by a later follower scrape
where the denominator depends on it, unknown kept unknown; and the cards
computed from them equal the figures computed from every post."""

from __future__ import annotations

import pytest

from content import analytics, stored
from content.models import Post
from content.store import finalise, store_page
from content.tests.builders import day, media, part, scrape, target
from scraping.instagram.types import Profile
from scraping.models import Scrape
from scraping.services import create_scrape
from scraping.services.delta import finalise as finalise_scrape
from scraping.services.scrapes import claim
from scraping.services.store import attach_profile

pytestmark = pytest.mark.django_db


def figures(account_id: int) -> dict[int, tuple[object, ...]]:
    """(likes, comments, plays, followers, estimated, rate) stored, by ig pk."""
    return {
        pk: rest
        for pk, *rest in Post.objects.filter(target_id=account_id).values_list(
            "ig_pk", "likes", "comments", "plays", "followers", "followers_estimated", "rate"
        )
    }


def follower_scrape(account, followers: int) -> Scrape:  # type: ignore[no-untyped-def]
    """A follower scrape of the account through the engine's own finalise
    (its list never ran: partial, but the profile's count is recorded)."""
    created = create_scrape(account.user.username, lists="followers", trigger="command")
    run = claim(created.pk, "test-worker")
    assert run is not None
    profile = Profile(
        pk=account.user.ig_pk,
        username=account.user.username,
        full_name="",
        profile_pic_url="",
        is_verified=False,
        is_private=False,
        follower_count=followers,
        following_count=10,
    )
    attach_profile(run, "test-worker", profile)
    return finalise_scrape(run, "test-worker")


@pytest.fixture
def creator():  # type: ignore[no-untyped-def]
    """History: 1,000 followers on day 0. A content scrape on day 30 whose
    profile count Instagram did not give: posts of days 5 and 20 divide by the
    day-0 count; the post of day -3 predates it (estimated: the account's
    latest count, 1,200); one post hides its likes."""
    account = target("creator", followers=1200)
    scrape(account, day(0), followers=1000)
    run = scrape(account, day(30), followers=None, stats=False)
    content = part(run, list_clips=False)
    items = [
        media(1, day(20), likes=90, comments=10),
        media(2, day(5), likes=None, comments=4),
        media(3, day(-3), likes=110, comments=10),
    ]
    store_page(run, content, items)
    finalise(run, content)
    return account


def test_a_content_scrape_stores_the_definitions_figures(creator) -> None:  # type: ignore[no-untyped-def]
    assert figures(creator.pk) == {
        1: [90, 10, None, 1000, False, 10.0],
        2: [None, 4, None, 1000, False, None],  # hidden likes: unknown rate
        3: [110, 10, None, 1200, True, 10.0],  # before any count: estimated
    }
    assert stored.stored(creator.pk) == stored.computed(creator.pk)
    assert stored.refresh(creator.pk) == 0  # nothing left to write


def test_a_follower_scrape_moves_the_estimated_denominator_only(creator) -> None:  # type: ignore[no-untyped-def]
    done = follower_scrape(creator, 2400)
    assert done.finished_at is not None
    after = figures(creator.pk)
    # The estimate follows the account's latest count; the posts with a count
    # at their date keep it; unknown stays unknown.
    assert after[3] == [110, 10, None, 2400, True, 5.0]
    assert after[1] == [90, 10, None, 1000, False, 10.0]
    assert after[2] == [None, 4, None, 1000, False, None]
    assert stored.stored(creator.pk) == stored.computed(creator.pk)


def test_new_counts_reach_the_stored_figures_at_the_next_finalise(creator) -> None:  # type: ignore[no-untyped-def]
    run = scrape(creator, day(40), followers=1500)
    content = part(run, list_clips=False)
    store_page(run, content, [media(1, day(20), likes=190, comments=10)])
    assert figures(creator.pk)[1][0] == 90  # pages alone do not move them
    finalise(run, content)
    assert figures(creator.pk)[1] == [190, 10, None, 1000, False, 20.0]
    # The owner hid the likes: the rate becomes unknown, not a rate of comments.
    later = scrape(creator, day(41), followers=1500)
    content = part(later, list_clips=False)
    store_page(later, content, [media(1, day(20), likes=None, comments=12)])
    finalise(later, content)
    assert figures(creator.pk)[1] == [None, 12, None, 1000, False, None]


def test_a_refresh_failure_never_loses_the_scrape(creator, monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    def broken(target_id: int) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(stored, "refresh", broken)
    done = follower_scrape(creator, 2400)
    assert done.status in (Scrape.Status.SUCCEEDED, Scrape.Status.PARTIAL)
    assert "could not refresh the stored post figures" in caplog.text
    assert figures(creator.pk)[3][3] == 1200  # left as it was


def test_stored_cards_equal_the_figures_over_every_post() -> None:
    account = target("busy", followers=900)
    scrape(account, day(0), followers=500)
    scrape(account, day(50), followers=800)
    run = scrape(account, day(120), followers=900)
    content = part(run)
    items = [
        media(
            n,
            day(n),
            likes=None if n % 7 == 0 else 20 + n,
            comments=n % 5,
            plays=1000 + n if n % 3 == 0 else None,
            product_type="clips" if n % 3 == 0 else "feed",
        )
        for n in range(1, 110)
    ]
    store_page(run, content, items)
    finalise(run, content)
    rates = analytics.current_rates(account.pk)
    assert rates == analytics.post_rates(account.pk)
    assert analytics.stored_summary(account.pk) == analytics.summary(account.pk)
    from content import snapshot

    assert snapshot.summary(account.pk) == analytics.summary(account.pk)  # the cards' row
    now = day(121)
    assert analytics.stored_cadence(account.pk, now=now) == analytics.cadence(rates, now=now)


def test_the_analytics_snapshot_follows_the_stored_figures(creator, settings) -> None:  # type: ignore[no-untyped-def]
    from content import snapshot
    from content.models import AnalyticsSnapshot

    kept = AnalyticsSnapshot.objects.get(target=creator)
    assert kept.data == snapshot.figures(creator.pk)  # saved at the content finalise
    assert kept.data["top"] == list(
        Post.objects.filter(ig_pk__in=[1, 3]).order_by("-taken_at").values_list("id", flat=True)
    )
    follower_scrape(creator, 2400)
    kept.refresh_from_db()
    assert kept.data == snapshot.figures(creator.pk)
    assert kept.data["baseline"] == 7.5  # (10.0 + 5.0) / 2: the estimate moved
    # Another time zone: the stored cut does not serve it, the figures are
    # computed in that zone.
    settings.TIME_ZONE = "Asia/Tokyo"
    assert snapshot.read(creator.pk)["time_zone"] == "Asia/Tokyo"


def test_migrate_fills_the_figures_of_posts_stored_before_them() -> None:
    """An igdash upgraded from before the stored figures: `migrate` computes
    them (post_migrate, with this release's code and tables)."""
    from django.core.management import call_command

    from content.models import AnalyticsSnapshot

    account = target("older", followers=700)
    scrape(account, day(0), followers=500)
    run = scrape(account, day(9), followers=700)
    store_page(run, part(run), [media(1, day(3), likes=45, comments=5), media(2, day(4))])
    Post.objects.update(likes=None, comments=None, followers=None, rate=None)  # as before 0005
    AnalyticsSnapshot.objects.all().delete()
    call_command("migrate", verbosity=0)
    assert figures(account.pk) == {
        1: [45, 5, None, 500, False, 10.0],
        2: [10, 1, None, 500, False, (10 + 1) / 500 * 100],
    }
    assert AnalyticsSnapshot.objects.filter(target=account).exists()
