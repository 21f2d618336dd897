"""The day's cache of Instagram's profile and listing answers, the opt-in play-count
fetch, and the legacy GraphQL grid, over real HTTP against the simulator: the
requests are counted in the simulator's own per-account statistics."""

from __future__ import annotations

import io
import pickle
import stat
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command

from accounts_app.models import LoginCredential
from content import runner
from content import services as content_services
from content.models import ContentPart, NightlyContent, Post, PostMetrics
from content.tests.test_content_scrape import content_scrape, expected, run_until_done, stored
from core.models import AppSettings
from scraping import services
from scraping.instagram.types import Media, MediaPage
from scraping.models import Scrape
from scraping.services import answer_cache
from scraping.tasks import scrape_task
from scraping.tests.sim_control import Sim

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_limits")]

HANDLE = "demo_small"


def asked(sim: Sim, handle: str = HANDLE) -> dict[str, int]:
    """Requests the simulator answered about `handle`, by endpoint."""
    return dict(sim.stats()["targets"].get(handle, {}))


def more(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {k: n - before.get(k, 0) for k, n in after.items() if n != before.get(k, 0)}


# --- The cache ------------------------------------------------------------------------


@pytest.mark.parametrize("client", ["web", "private"])
def test_a_second_analysis_within_a_day_asks_instagram_nothing(
    sim: Sim, owner: LoginCredential, client: str
) -> None:
    first = content_scrape(HANDLE, source=client)
    assert first.status == Scrape.Status.SUCCEEDED, first.error_message
    sent = asked(sim)
    profile = "web_profile_info"
    assert sent[profile] == 1
    listings = {k: n for k, n in sent.items() if k != profile}
    assert sum(listings.values()) >= 2  # the grid and the reels tab

    second = content_scrape(HANDLE, source=client)

    assert second.status == Scrape.Status.SUCCEEDED, second.error_message
    assert asked(sim) == sent  # not one more request about the account
    part = ContentPart.objects.get(scrape=second)
    assert part.complete is True
    assert part.fetched == len(sim.content(HANDLE))
    assert second.profile_follower_count == first.profile_follower_count


def test_fresh_data_asks_again(sim: Sim, owner: LoginCredential) -> None:
    content_scrape(HANDLE, source="private")
    sent = asked(sim)

    content_scrape(HANDLE, source="private", fresh=True)

    assert more(asked(sim), sent) == sent  # every request again, once


def test_the_command_uses_the_cache_unless_fresh(
    sim: Sim, owner: LoginCredential, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The command queues; the test runs what it queued (its --wait thread is the
    # business of test_content_scrape.py's command test).
    queued: list[int] = []
    monkeypatch.setattr(scrape_task, "delay_on_commit", queued.append)

    def scrape(*extra: str) -> Scrape:
        out = io.StringIO()
        call_command("scrape", f"@{HANDLE}", "--content", "--client", "private", *extra, stdout=out)
        assert "queued" in out.getvalue()
        return run_until_done(Scrape.objects.get(pk=queued[-1]))

    assert scrape().status == Scrape.Status.SUCCEEDED
    sent = asked(sim)

    second = scrape()
    assert (second.fresh, second.status) == (False, Scrape.Status.SUCCEEDED)
    assert asked(sim) == sent

    third = scrape("--fresh")
    assert (third.fresh, third.status) == (True, Scrape.Status.SUCCEEDED)
    assert more(asked(sim), sent) == sent


def test_a_scrape_with_follower_lists_reads_its_profile_fresh(
    sim: Sim, owner: LoginCredential
) -> None:
    content_scrape(HANDLE, source="private")
    before = asked(sim)

    done = content_scrape(HANDLE, source="private", lists=Scrape.Lists.FOLLOWERS)

    assert done.status == Scrape.Status.SUCCEEDED, done.error_message
    new = more(asked(sim), before)
    assert new["web_profile_info"] == 1  # the list is checked against a fresh count
    assert new.get("mobile_feed_user", 0) == 0  # the listings came from the cache
    assert new.get("mobile_clips_user", 0) == 0


def test_the_nightly_refresh_always_asks_fresh(sim: Sim, owner: LoginCredential) -> None:
    content_scrape(HANDLE, source="private")
    before = asked(sim)
    target = Scrape.objects.get().target
    assert target is not None
    target.bookmarked = True
    target.save(update_fields=["bookmarked"])
    NightlyContent.objects.create(target=target)

    (nightly,) = services.refresh_bookmarked()
    nightly = run_until_done(Scrape.objects.get(pk=nightly.pk))

    assert nightly.fresh is True
    assert nightly.status == Scrape.Status.SUCCEEDED, nightly.error_message
    new = more(asked(sim), before)
    assert new["web_profile_info"] == 1
    assert sum(n for k, n in new.items() if "feed_user" in k or "timeline" in k) >= 1
    assert sum(n for k, n in new.items() if "clips_user" in k) >= 1


def test_a_page_that_cannot_be_trusted_is_not_kept(sim: Sim, owner: LoginCredential) -> None:
    sim.scenarios(HANDLE, content_cursor_loop=True)
    partial = content_scrape(HANDLE, source="private")
    assert partial.status == Scrape.Status.PARTIAL
    sim.scenarios(HANDLE)
    sim.log.clear()

    again = content_scrape(HANDLE, source="private")

    # The first pages were whole and come from the cache; the looping page was not
    # kept, so Instagram is asked for it (and answers the rest of the listing now).
    assert again.status == Scrape.Status.SUCCEEDED, again.error_message
    part = ContentPart.objects.get(scrape=again)
    assert part.complete is True
    assert (part.feed_pages, part.clips_pages) == (2, 1)  # demo_small's grid: 2 pages
    feed = [e for e in sim.log if "/feed/user/" in e.path]
    clips = [e for e in sim.log if "/clips/user/" in e.path]
    assert len(feed) == 1  # the grid's second page only: its looping answer was not kept
    assert clips == []  # the reels tab's one whole page was


def test_a_failed_answer_is_not_kept(sim: Sim, owner: LoginCredential) -> None:
    sim.scenarios(HANDLE, server_error=True)
    failed = services.run_scrape(content_services.create_scrape(HANDLE, source="private").pk)
    assert failed is not None and failed.status == Scrape.Status.QUEUED  # retried later
    Scrape.objects.filter(pk=failed.pk).update(status=Scrape.Status.CANCELLED)
    sim.scenarios(HANDLE)
    before = asked(sim)

    content_scrape(HANDLE, source="private")

    new = more(asked(sim), before)
    assert new.get("mobile_feed_user", 0) >= 1 and new.get("mobile_clips_user", 0) >= 1


def test_cached_answers_hold_no_secret_and_are_private_files(
    sim: Sim, owner: LoginCredential
) -> None:
    content_scrape(HANDLE, source="web")
    folder = Path(settings.CACHE_DIR)
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert files
    session = sim.session("demo_owner")  # a session of the same form as the stored one
    for path in files:
        with path.open("rb") as handle:
            pickle.load(handle)  # noqa: S301 - the expiry, in a file this test made
            body = zlib.decompress(handle.read())
        assert b"sessionid" not in body and b"csrftoken" not in body
        assert session.encode() not in body
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0
    assert stat.S_IMODE(folder.stat().st_mode) & 0o077 == 0


def media(pk: int) -> Media:
    import datetime as dt

    return Media(
        pk=pk,
        shortcode="C0de",
        owner_pk=1,
        product_type="clips",
        media_type=2,
        taken_at=dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC),
        caption="#tag",
        likes=None,
        comments=3,
        plays=None,
        ig_plays=7,
        views=None,
        duration=12.5,
        coauthors=("someone",),
        thumbnail_url="https://cdn/x.jpg",
    )


def test_what_is_kept_comes_back_equal_and_only_whole_pages_are_kept() -> None:
    page = MediaPage(items=[media(5), media(4)], next_cursor="4_1", more=True)
    assert answer_cache.decode(answer_cache.encode(page)) == page
    assert answer_cache.decode(answer_cache.encode(media(9))) == media(9)
    assert answer_cache.decode({"page": {"items": [{"pk": 1}]}}) is None  # unreadable: a miss
    assert answer_cache.storable(page, None)
    assert not answer_cache.storable(MediaPage(items=[], next_cursor=None, more=False))
    assert not answer_cache.storable(MediaPage(items=[media(5)], next_cursor=None, more=True))
    assert not answer_cache.storable(page, "4_1")  # the cursor it was sent: a loop
    one = answer_cache.key("web", "feed_page", 1, None)
    assert one != answer_cache.key("private", "feed_page", 1, None)
    assert one != answer_cache.key("web", "feed_page", 1, "4_1")
    assert one != answer_cache.key("web-anon", "feed_page", 1, None)


# --- Play counts ----------------------------------------------------------------------


def reels_plays(handle: str = HANDLE) -> dict[int, Any]:
    return {
        post.ig_pk: PostMetrics.objects.get(post=post, ended_by__isnull=True).plays
        for post in Post.objects.filter(target__user__username=handle, product_type="clips")
    }


def info_requests(sim: Sim) -> list[str]:
    return [e.path for e in sim.log if "/media/" in e.path and e.path.endswith("/info/")]


def test_without_the_setting_a_missing_play_count_stays_unknown(
    sim: Sim, owner: LoginCredential
) -> None:
    sim.scenarios(HANDLE, no_list_plays=True)

    done = content_scrape(HANDLE, source="private")

    assert done.status == Scrape.Status.SUCCEEDED, done.error_message
    plays = reels_plays()
    assert plays and all(value is None for value in plays.values())
    assert info_requests(sim) == []


@pytest.mark.parametrize("client", ["private", "web"])
def test_with_the_setting_each_reel_without_plays_is_asked_once(
    sim: Sim, owner: LoginCredential, client: str
) -> None:
    settings_row = AppSettings.load()
    settings_row.fetch_play_counts = True
    settings_row.save()
    sim.scenarios(HANDLE, no_list_plays=True)

    done = content_scrape(HANDLE, source=client)

    assert done.status == Scrape.Status.SUCCEEDED, done.error_message
    truth = {int(p["pk"]): p["plays"] for p in sim.content(HANDLE) if p["plays"] is not None}
    assert reels_plays() == truth
    assert len(info_requests(sim)) == len(truth)
    assert ContentPart.objects.get(scrape=done).info_fetched == len(truth)
    assert stored(HANDLE) == expected(sim.content(HANDLE), plays=True)


def test_the_play_count_fetch_resumes_after_a_429_without_asking_twice(
    sim: Sim, owner: LoginCredential
) -> None:
    settings_row = AppSettings.load()
    settings_row.fetch_play_counts = True
    settings_row.save()
    # demo_small's listings take 3 requests (2 grid pages, 1 reels page); the 429
    # comes in the middle of the media info requests.
    sim.scenarios(HANDLE, no_list_plays=True, rate_limit={"after": 6, "for": 1, "retry_after": 1})
    scrape = content_services.create_scrape(HANDLE, source="private")
    services.run_scrape(scrape.pk)
    assert Scrape.objects.get(pk=scrape.pk).status == Scrape.Status.WAITING_RATE_LIMIT
    part = ContentPart.objects.get(scrape=scrape)
    line = runner.progress(part)
    reels = sum(1 for p in sim.content(HANDLE) if p["plays"] is not None)
    assert f"play counts 3 of {reels}" in line.summary  # 3 answered before the 429
    assert line.percent == round(100 * 3 / reels) and line.complete is None

    done = run_until_done(scrape)

    assert done.status == Scrape.Status.SUCCEEDED, done.error_message
    assert done.attempts > 1
    refused = [e.path for e in sim.log if e.status == 429]
    assert refused and all("/media/" in path for path in refused)  # during the fetch
    asked_ok = [e.path for e in sim.log if "/media/" in e.path and e.status == 200]
    assert len(asked_ok) == len(set(asked_ok))  # no reel asked twice
    truth = {int(p["pk"]): p["plays"] for p in sim.content(HANDLE) if p["plays"] is not None}
    assert reels_plays() == truth


def test_a_play_count_the_listing_had_is_not_asked_for(sim: Sim, owner: LoginCredential) -> None:
    settings_row = AppSettings.load()
    settings_row.fetch_play_counts = True
    settings_row.save()

    content_scrape(HANDLE, source="private")

    assert info_requests(sim) == []


# --- The legacy GraphQL grid ----------------------------------------------------------


def test_the_graphql_client_lists_the_grid_with_the_legacy_timeline_query(
    sim: Sim, owner: LoginCredential
) -> None:
    done = content_scrape(HANDLE, source="graphql")

    assert done.status == Scrape.Status.SUCCEEDED, done.error_message
    assert done.client_used == "graphql"
    endpoints = asked(sim)
    assert endpoints.get("graphql_timeline", 0) >= 2  # 2 pages of 12
    assert "graphql_user_timeline" not in endpoints
    # Legacy nodes carry no play counts; the reels tab of the session does.
    assert stored(HANDLE) == expected(sim.content(HANDLE), plays=True)


def test_the_legacy_grid_that_answers_no_edges_is_a_partial(
    sim: Sim, owner: LoginCredential
) -> None:
    content_scrape(HANDLE, source="graphql")
    sim.scenarios(HANDLE, graphql_empty_edges=True)

    again = content_scrape(HANDLE, source="graphql", fresh=True)

    assert again.status == Scrape.Status.PARTIAL
    assert "empty posts listing" in again.error_message
    assert not Post.objects.filter(removed_by__isnull=False).exists()


def test_the_cache_keeps_answers_in_redis_when_configured(redis_url: str, settings: Any) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "instagram": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "igdash-test",
            "TIMEOUT": 60,
        },
    }
    page = MediaPage(items=[media(5)], next_cursor=None, more=False)
    cache_key = answer_cache.key("private", "feed_page", 1, None)
    import redis

    server = redis.Redis.from_url(redis_url)
    server.set("igdash-test-not-an-answer", b"kept")  # a broker's key, say

    answer_cache.put(cache_key, page)

    assert answer_cache.get(cache_key) == page
    answer_cache.clear()
    assert answer_cache.get(cache_key) is None
    assert server.get("igdash-test-not-an-answer") == b"kept"  # no FLUSHDB
    server.delete("igdash-test-not-an-answer")


def test_a_web_session_lists_the_grid_with_the_web_timeline_query(
    sim: Sim, owner: LoginCredential
) -> None:
    # The owner's login has a browser session and demo_small is public: the
    # client is chosen as for follower lists (web), and so is the grid's listing.
    done = content_scrape(HANDLE)

    assert done.client_used == "web", done.client_reason
    endpoints = asked(sim)
    assert endpoints.get("graphql_user_timeline", 0) >= 2
    assert not any("feed_user" in name for name in endpoints)
    assert stored(HANDLE) == expected(sim.content(HANDLE), plays=True)
