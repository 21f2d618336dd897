"""Posts and reels on the wire: the private and web clients against the simulator over
real HTTP (docs/instagram-wire.md section 8, docs/simulator.md "Posts and reels")."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from scraping.instagram import endpoints as ep
from scraping.instagram.base import collect_media, collect_posts
from scraping.instagram.errors import (
    LoginRequired,
    NotFound,
    PrivateTarget,
    RateLimited,
    RepeatedCursor,
    TransportError,
)
from scraping.instagram.private import PrivateClient
from scraping.instagram.types import Media, media_record
from scraping.instagram.web import WebClient
from scraping.simulator import DEMO_PASSWORD, World
from scraping.tests.fixtures_wire import *  # noqa: F403
from scraping.tests.fixtures_wire import MOBILE_USER_AGENT, Sim

TRUTH_KEYS = (
    "pk", "shortcode", "owner_pk", "product_type", "media_type", "taken_at", "caption",
    "likes", "comments", "plays", "ig_plays", "views", "duration", "coauthors", "thumbnail_url",
)  # fmt: skip


def as_truth(media: Media) -> dict[str, Any]:
    data = {key: getattr(media, key) for key in TRUTH_KEYS}
    data["taken_at"] = int(media.taken_at.timestamp())
    data["coauthors"] = list(media.coauthors)
    assert media.taken_at.tzinfo is UTC
    return data


def truth_of(posts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{key: post[key] for key in TRUTH_KEYS} for post in posts]


@pytest.fixture(scope="module")
def owner_settings(simulator_server: Any) -> dict[str, Any]:
    """One password login per module; tests reuse the stored settings like the app does."""
    base = simulator_server.base_url
    logged_in = PrivateClient(api_url=base, web_url=base)
    logged_in.login("demo_owner", DEMO_PASSWORD)
    return logged_in.settings()


@pytest.fixture
def private(sim: Sim, owner_settings: dict[str, Any]) -> PrivateClient:
    return PrivateClient(api_url=sim.base_url, web_url=sim.base_url, settings=owner_settings)


@pytest.fixture
def web(sim: Sim) -> Iterator[WebClient]:
    with WebClient(web_url=sim.base_url, sessionid=sim.session()["sessionid"]) as client:
        yield client


def clips_request(sim: Sim, authorization: str, pk: int, max_id: str = "") -> dict[str, Any]:
    headers = {
        "X-IG-App-ID": ep.ANDROID_APP_ID,
        "User-Agent": MOBILE_USER_AGENT,
        "Authorization": authorization,
    }
    form = {"target_user_id": str(pk), "max_id": max_id, "page_size": "12"}
    response = sim.http.post(ep.CLIPS_USER, data=form, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


# --- the exact post set -----------------------------------------------------------------


def test_feed_plus_reels_give_the_exact_posts_and_counts(sim: Sim, private: PrivateClient) -> None:
    posts, complete = collect_posts(private, sim.pk("demo_big"))

    truth = sim.content("demo_big")
    assert complete is True
    assert [as_truth(media) for media in posts] == truth_of(truth["posts"])
    in_feed = sum(post["in_feed"] for post in truth["posts"])
    reels = [post for post in truth["posts"] if post["in_clips"]]
    endpoints = sim.stats()["endpoints"]
    assert endpoints["mobile_feed_user"] == -(-in_feed // 12)
    # Reels pages repeat 2 items, so they advance by 10.
    assert endpoints["mobile_clips_user"] == -(-(len(reels) - 2) // 10)
    assert {m.product_type for m in posts} == {"feed", "clips", "carousel", "igtv"}


def test_a_reel_shared_to_the_feed_is_one_post(sim: Sim, private: PrivateClient) -> None:
    pk = sim.pk("demo_small")
    feed, _ = collect_media(private, pk, "feed")
    clips, _ = collect_media(private, pk, "clips")
    posts, _ = collect_posts(private, pk)

    both = {m.pk for m in feed} & {m.pk for m in clips}
    only_reels = {m.pk for m in clips} - {m.pk for m in feed}
    assert both and only_reels
    assert len(posts) == len({m.pk for m in feed} | {m.pk for m in clips}) == 24
    assert [as_truth(m) for m in posts] == truth_of(sim.content("demo_small")["posts"])


def test_reels_pages_repeat_items_and_some_come_unwrapped(sim: Sim, private: PrivateClient) -> None:
    pk = sim.pk("demo_big")
    authorization = sim.session()["authorization"]
    first = clips_request(sim, authorization, pk)
    second = clips_request(sim, authorization, pk, first["paging_info"]["max_id"])

    def pks(answer: dict[str, Any]) -> list[int]:
        return [item.get("media", item)["pk"] for item in answer["items"]]

    assert pks(second)[:2] == pks(first)[-2:]
    assert any("media" not in item for item in first["items"])
    assert any("media" in item for item in first["items"])
    # The client reads both forms; collect_media keeps each reel once.
    page = private.clips_page(pk, None)
    assert [m.pk for m in page.items] == pks(first)
    reels, _ = collect_media(private, pk, "clips")
    truth = [post["pk"] for post in sim.content("demo_big")["posts"] if post["in_clips"]]
    assert [m.pk for m in reels] == truth


# --- counts that are not there ----------------------------------------------------------


def test_hidden_likes_are_unknown_not_minus_one_or_three(sim: Sim, private: PrivateClient) -> None:
    posts, _ = collect_posts(private, sim.pk("demo_small"))
    hidden = [m for m in posts if m.likes is None]
    authorization = sim.session()["authorization"]
    sent = {
        m.pk: sim.mobile_get(ep.MEDIA_INFO.format(pk=m.pk), {}, authorization).json()["items"][0]
        for m in hidden
    }

    assert {item["like_count"] for item in sent.values()} == {-1, 3}
    faked = [m for m in hidden if sent[m.pk]["like_count"] == 3]
    assert all(sent[m.pk]["like_and_view_counts_disabled"] for m in faked)
    assert all(m.views is None for m in faked)
    assert all(m.comments is not None for m in hidden)  # comment counts stay


def test_play_counts_only_for_a_logged_in_session(
    sim: Sim, private: PrivateClient, web: WebClient
) -> None:
    reel = next(p for p in sim.content("demo_small")["posts"] if p["product_type"] == "clips")

    logged_in = private.media_info(reel["pk"])
    on_web = web.media_info(reel["pk"])
    with WebClient(web_url=sim.base_url) as anonymous:
        logged_out = anonymous.media_info(reel["pk"])

    assert (logged_in.plays, logged_in.ig_plays) == (reel["plays"], reel["ig_plays"])
    assert (on_web.plays, on_web.ig_plays) == (reel["plays"], reel["ig_plays"])
    assert (logged_out.plays, logged_out.ig_plays) == (None, None)
    assert logged_out.comments == reel["comments"] and logged_out.duration == reel["duration"]
    assert isinstance(logged_in.duration, float)


def test_photos_have_no_duration_and_null_captions_are_empty(
    sim: Sim, private: PrivateClient
) -> None:
    posts, _ = collect_posts(private, sim.pk("demo_small"))

    assert any(m.caption == "" for m in posts)
    assert all(m.duration is None for m in posts if m.media_type in (1, 8))
    assert all(m.thumbnail_url.startswith(sim.base_url) for m in posts)
    assert any("#" in m.caption for m in posts) and any("@" in m.caption for m in posts)


# --- the web session --------------------------------------------------------------------


def test_web_timeline_lists_the_feed_without_play_counts(sim: Sim, web: WebClient) -> None:
    families: list[str] = []
    pk = sim.pk("demo_big")
    with WebClient(
        web_url=sim.base_url, sessionid=sim.session()["sessionid"], pacer=families.append
    ) as paced:
        feed, complete = collect_media(paced, pk, "feed")

    truth = [post for post in sim.content("demo_big")["posts"] if post["in_feed"]]
    expected = truth_of(truth)
    for post in expected:
        post["plays"] = post["ig_plays"] = None  # list answers on the web carry none
    assert complete is True
    assert [as_truth(m) for m in feed] == expected
    endpoints = sim.stats()["endpoints"]
    assert endpoints["web_user_info"] == 1  # the query is keyed by username
    assert endpoints["graphql_user_timeline"] == -(-len(truth) // 12)
    assert families == ["web_api"] + ["graphql"] * endpoints["graphql_user_timeline"]


def test_web_client_uses_the_name_of_a_profile_it_read(sim: Sim, web: WebClient) -> None:
    profile = web.get_profile("demo_small")
    web.feed_page(profile.pk, None)
    reels, _ = collect_media(web, profile.pk, "clips")

    assert "web_user_info" not in sim.stats()["endpoints"]
    truth = [post["pk"] for post in sim.content("demo_small")["posts"] if post["in_clips"]]
    assert [m.pk for m in reels] == truth
    assert sim.stats()["endpoints"]["web_clips_user"] == 1


# --- failures ---------------------------------------------------------------------------


@pytest.mark.parametrize("listing", ["feed", "clips"])
def test_a_repeated_cursor_stops_instead_of_looping(
    sim: Sim, private: PrivateClient, listing: str
) -> None:
    sim.scenario("demo_big", content_cursor_loop=True)

    with pytest.raises(RepeatedCursor) as caught:
        collect_media(private, sim.pk("demo_big"), listing)  # type: ignore[arg-type]

    assert "same cursor" in caught.value.message
    assert sim.stats()["endpoints"][f"mobile_{listing}_user"] == 2


def test_a_repeated_cursor_on_the_web_timeline_stops_too(sim: Sim, web: WebClient) -> None:
    sim.scenario("demo_big", content_cursor_loop=True)

    with pytest.raises(RepeatedCursor):
        collect_media(web, web.get_profile("demo_big").pk, "feed")

    assert sim.stats()["endpoints"]["graphql_user_timeline"] == 2


def test_429_mid_listing_is_rate_limited(sim: Sim, private: PrivateClient) -> None:
    sim.scenario("demo_big", rate_limit={"after": 2, "for": 1, "retry_after": 5})

    with pytest.raises(RateLimited) as caught:
        collect_media(private, sim.pk("demo_big"), "feed")

    assert caught.value.retry_after == 5.0
    assert sim.stats()["endpoints"]["mobile_feed_user"] == 3


def test_a_page_failing_mid_listing_is_a_transport_error(
    sim: Sim, private: PrivateClient, web: WebClient
) -> None:
    sim.scenario("demo_big", server_error_after_pages=2)

    with pytest.raises(TransportError):
        collect_media(private, sim.pk("demo_big"), "clips")
    with pytest.raises(TransportError):
        web.clips_page(sim.pk("demo_big"), None)

    assert sim.stats()["endpoints"]["mobile_clips_user"] == 3


def test_logout_mid_listing_is_login_required(sim: Sim, private: PrivateClient) -> None:
    sim.scenario("demo_big", logout_after_pages=1)

    with pytest.raises(LoginRequired):
        collect_media(private, sim.pk("demo_big"), "feed")


def test_without_a_session_listings_need_login(sim: Sim) -> None:
    pk = sim.pk("demo_small")
    anonymous_app = PrivateClient(api_url=sim.base_url, web_url=sim.base_url)
    with pytest.raises(LoginRequired):
        anonymous_app.feed_page(pk, None)
    with pytest.raises(LoginRequired):
        anonymous_app.clips_page(pk, None)
    with pytest.raises(LoginRequired):
        anonymous_app.media_info(sim.content("demo_small")["posts"][0]["pk"])
    with WebClient(web_url=sim.base_url) as anonymous_web:
        anonymous_web.get_profile("demo_small")  # profiles need no login
        with pytest.raises(LoginRequired):
            anonymous_web.feed_page(pk, None)
        with pytest.raises(LoginRequired):
            anonymous_web.clips_page(pk, None)


def test_private_account_content_needs_a_follower(sim: Sim, private: PrivateClient) -> None:
    with pytest.raises(PrivateTarget):
        private.feed_page(sim.pk("demo_private"), None)

    posts, complete = collect_posts(private, sim.pk("demo_private_friend"))
    assert complete and len(posts) == sim.content("demo_private_friend")["count"] == 24


# --- days -------------------------------------------------------------------------------


def test_a_removed_post_is_gone_the_next_day_and_young_posts_grow(
    sim: Sim, private: PrivateClient
) -> None:
    pk = sim.pk("demo_small")
    before, _ = collect_posts(private, pk)
    sim.advance(1)
    after, complete = collect_posts(private, pk)

    truth = {post["pk"] for post in sim.content("demo_small")["posts"]}
    removed = {m.pk for m in before} - {m.pk for m in after}
    assert complete and {m.pk for m in after} == truth
    assert len(removed) == 1
    with pytest.raises(NotFound):
        private.media_info(removed.pop())
    # Metrics move: young posts gain likes, old ones stay put.
    now = {m.pk: m for m in after}
    young = [m for m in before[:4] if m.pk in now and m.likes is not None]

    def reach(media: Media) -> tuple[int, int]:
        return media.likes or 0, media.plays or 0

    assert all(reach(now[m.pk]) >= reach(m) for m in young)
    assert any(reach(now[m.pk]) > reach(m) for m in young)
    assert now[before[-1].pk].likes == before[-1].likes


def test_the_profile_counts_the_posts_of_the_day(sim: Sim, private: PrivateClient) -> None:
    assert private.get_profile("demo_small").pk == sim.pk("demo_small")
    counts = []
    for _ in range(2):
        profile = sim.web_get(ep.WEB_PROFILE_INFO, {"username": "demo_small"}).json()
        counts.append(profile["data"]["user"]["edge_owner_to_timeline_media"]["count"])
        sim.advance(1)
    assert counts == [24, sim.content("demo_small", day=1)["count"]]


# --- parsing ----------------------------------------------------------------------------


def test_legacy_graphql_nodes_read_like_mobile_items(sim: Sim) -> None:
    profile = sim.web_get(ep.WEB_PROFILE_INFO, {"username": "demo_small"}).json()
    edges = profile["data"]["user"]["edge_owner_to_timeline_media"]["edges"]
    legacy = [media_record(edge["node"]) for edge in edges]

    truth = sim.content("demo_small")["posts"][:12]
    keys = ("pk", "shortcode", "owner_pk", "product_type", "media_type", "taken_at")
    keys += ("caption", "likes", "comments", "duration", "coauthors", "thumbnail_url")
    assert [{k: as_truth(m)[k] for k in keys} for m in legacy] == [
        {k: post[k] for k in keys} for post in truth
    ]


def test_media_record_refuses_items_without_pk_or_taken_at() -> None:
    with pytest.raises(TransportError, match="without pk"):
        media_record({"code": "abc", "taken_at": 1})
    with pytest.raises(TransportError, match="without taken_at"):
        media_record({"pk": "12"})
    media = media_record(
        {
            "pk": "12",
            "taken_at": 1_767_225_600,
            "media_type": 8,
            "product_type": "feed",
            "caption": None,
            "like_count": 5,
            "like_and_view_counts_disabled": True,
            "carousel_media": [{"image_versions2": {"candidates": [{"url": "https://x/1"}]}}],
        }
    )
    assert (media.product_type, media.caption, media.likes, media.plays) == (
        "carousel",
        "",
        None,
        None,
    )
    assert media.thumbnail_url == "https://x/1"
    assert media.taken_at == datetime(2026, 1, 1, tzinfo=UTC)


def test_content_is_the_same_for_the_same_seed() -> None:
    one, two, other = World(5), World(5), World(6)
    index = one.cast_index("demo_small")
    assert index is not None

    assert one.content.posts(index) == two.content.posts(index)
    assert [p.pk for p in one.content.posts(index)] != [p.pk for p in other.content.posts(index)]


# --- the simulator's answers, raw ---------------------------------------------------------


def test_feed_and_timeline_answers_have_the_wire_doc_shape(sim: Sim) -> None:
    session = sim.session()
    pk = sim.pk("demo_small")
    feed = sim.mobile_get(ep.FEED_USER.format(pk=pk), {"count": 12}, session["authorization"])
    body = feed.json()
    item = body["items"][0]

    assert set(body) >= {"items", "num_results", "more_available", "next_max_id", "status"}
    assert body["next_max_id"] == f"{body['items'][-1]['pk']}_{pk}"
    assert set(item) >= {
        "pk", "id", "code", "taken_at", "media_type", "product_type", "caption", "like_count",
        "comment_count", "user", "coauthor_producers", "like_and_view_counts_disabled",
    }  # fmt: skip
    form = {"doc_id": ep.DOC_IDS["user_timeline"], "variables": '{"username":"demo_small"}'}
    headers = {**ep.web_headers(), "Cookie": f"sessionid={session['sessionid']}"}
    timeline = sim.http.post(ep.GRAPHQL_DOC_QUERY, data=form, headers=headers).json()
    connection = timeline["data"][ep.TIMELINE_ROOT]
    assert set(connection["page_info"]) >= {"has_next_page", "end_cursor"}
    assert [edge["node"]["pk"] for edge in connection["edges"]] == [i["pk"] for i in body["items"]]
    wrong = sim.http.post(ep.GRAPHQL_DOC_QUERY, data={**form, "doc_id": "1"}, headers=headers)
    assert wrong.status_code == 400 and wrong.json()["message"] == "Invalid doc_id"
