"""The web clients (httpx) against the simulator over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from scraping.instagram.base import collect_list
from scraping.instagram.errors import (
    ChallengeRequired,
    CheckpointRequired,
    EmptyEdgesFailure,
    FeedbackRequired,
    LoginRequired,
    NotFound,
    PrivateTarget,
    RateLimited,
    TransportError,
)
from scraping.instagram.types import UserRecord
from scraping.instagram.web import GraphQLClient, WebClient
from scraping.tests.fixtures_wire import *  # noqa: F403
from scraping.tests.fixtures_wire import Sim


@pytest.fixture
def web(sim: Sim) -> Iterator[WebClient]:
    with WebClient(web_url=sim.base_url, sessionid=sim.session()["sessionid"]) as client:
        yield client


@pytest.fixture
def graphql(sim: Sim) -> Iterator[GraphQLClient]:
    with GraphQLClient(web_url=sim.base_url, sessionid=sim.session()["sessionid"]) as client:
        yield client


def as_truth(users: list[UserRecord]) -> list[dict[str, Any]]:
    return [
        {
            "pk": u.pk,
            "username": u.username,
            "full_name": u.full_name,
            "profile_pic_url": u.profile_pic_url,
            "is_verified": u.is_verified,
            "is_private": u.is_private,
        }
        for u in users
    ]


def test_profile_has_counts_flags_and_picture(sim: Sim, web: WebClient) -> None:
    profile = web.get_profile("@Demo_Big")

    assert profile.pk == sim.pk("demo_big")
    assert (profile.username, profile.full_name) == ("demo_big", "Big Demo ✔")
    assert (profile.follower_count, profile.following_count) == (20_000, 1_200)
    assert profile.is_verified is True and profile.is_private is False
    assert profile.profile_pic_url.startswith(sim.base_url + "/sim-cdn/")


def test_profile_needs_no_login(sim: Sim) -> None:
    with WebClient(web_url=sim.base_url) as anonymous:
        assert anonymous.get_profile("demo_small").follower_count == 300


def test_scrapes_20000_followers_exactly(sim: Sim, web: WebClient) -> None:
    users, capped = collect_list(web, sim.pk("demo_big"), "followers")

    assert capped is False
    assert as_truth(users) == sim.truth("demo_big")["users"]
    assert sim.stats()["endpoints"]["web_followers"] == 800  # 25 per page


def test_graphql_scrapes_a_following_list_exactly(sim: Sim, graphql: GraphQLClient) -> None:
    users, _ = collect_list(graphql, sim.pk("demo_big"), "following")

    assert as_truth(users) == sim.truth("demo_big", "following")["users"]


def test_overlapping_pages_are_deduplicated(sim: Sim, web: WebClient) -> None:
    users, _ = collect_list(web, sim.pk("demo_overlap"), "followers")

    assert as_truth(users) == sim.truth("demo_overlap")["users"]
    assert sim.stats()["endpoints"]["web_followers"] > 2000 // 25


def test_text_and_number_pks_both_become_ints(sim: Sim, web: WebClient) -> None:
    page = web.list_page(sim.pk("demo_string_pks"), "followers", None)

    truth = [u["pk"] for u in sim.truth("demo_string_pks")["users"][:25]]
    assert [u.pk for u in page.users] == truth
    assert all(isinstance(u.pk, int) for u in page.users)


def test_unicode_and_rtl_names_arrive_intact(sim: Sim, web: WebClient) -> None:
    users, _ = collect_list(web, sim.pk("demo_unicode"), "followers")

    assert [u.full_name for u in users] == [
        u["full_name"] for u in sim.truth("demo_unicode")["users"]
    ]
    assert any("نور" in u.full_name or "سارا" in u.full_name for u in users)


def test_capped_page_is_flagged(sim: Sim, web: WebClient) -> None:
    page = web.list_page(sim.pk("demo_capped"), "followers", None)

    assert page.capped is True
    assert len(page.users) == 50 and page.next_cursor is None


def test_429_with_retry_after(sim: Sim, web: WebClient) -> None:
    sim.scenario("demo_small", rate_limit={"after": 0, "retry_after": 42})

    with pytest.raises(RateLimited) as caught:
        web.list_page(sim.pk("demo_small"), "followers", None)

    assert caught.value.retry_after == 42.0 and caught.value.status == 429


def test_429_without_retry_after(sim: Sim, web: WebClient) -> None:
    sim.scenario("demo_small", rate_limit={"after": 0})

    with pytest.raises(RateLimited) as caught:
        web.list_page(sim.pk("demo_small"), "followers", None)

    assert caught.value.retry_after is None


@pytest.mark.parametrize("body", ["please_wait", "empty"])
def test_401_please_wait_is_a_rate_limit(sim: Sim, web: WebClient, body: str) -> None:
    sim.scenario("demo_small", rate_limit={"after": 0, "status": 401, "body": body})

    with pytest.raises(RateLimited):
        web.list_page(sim.pk("demo_small"), "followers", None)


def test_rate_limit_recovers_after_the_window(sim: Sim, web: WebClient) -> None:
    users: list[UserRecord] = []
    pk = sim.pk("demo_ratelimit")
    cursor = None
    refusals = 0
    while True:
        try:
            page = web.list_page(pk, "followers", cursor)
        except RateLimited as exc:
            assert exc.retry_after == 2.0
            refusals += 1
            continue
        users.extend(page.users)
        cursor = page.next_cursor
        if cursor is None:
            break

    assert refusals == 3
    assert [u.pk for u in users] == [u["pk"] for u in sim.truth("demo_ratelimit")["users"]]


def test_no_session_means_login_required(sim: Sim) -> None:
    with WebClient(web_url=sim.base_url) as anonymous, pytest.raises(LoginRequired):
        anonymous.list_page(sim.pk("demo_small"), "followers", None)


def test_logout_mid_list(sim: Sim, web: WebClient) -> None:
    with pytest.raises(LoginRequired) as caught:
        collect_list(web, sim.pk("demo_logout"), "followers")

    assert caught.value.code == "login_required"
    assert sim.stats()["endpoints"]["web_followers"] == 4


@pytest.mark.parametrize(
    ("scenario", "error", "path"),
    [
        ({"challenge": "classic"}, ChallengeRequired, "/challenge/"),
        ({"challenge": "auth_platform"}, ChallengeRequired, "/auth_platform/?apc="),
        ({"checkpoint": True}, CheckpointRequired, None),
        ({"feedback": True}, FeedbackRequired, None),
    ],
)
def test_account_trouble_maps_to_our_errors(
    sim: Sim, web: WebClient, scenario: dict[str, Any], error: type[Exception], path: str | None
) -> None:
    sim.scenario("demo_small", **scenario)

    with pytest.raises(error) as caught:
        web.list_page(sim.pk("demo_small"), "followers", None)

    if path is not None:
        assert isinstance(caught.value, ChallengeRequired)
        assert caught.value.api_path is not None and caught.value.api_path.startswith(path)
        assert caught.value.url is not None and caught.value.url.startswith(sim.base_url)


def test_bare_404_on_a_list_is_a_masked_challenge(sim: Sim, web: WebClient) -> None:
    sim.scenario("demo_small", challenge="masked_404")

    with pytest.raises(ChallengeRequired) as caught:
        web.list_page(sim.pk("demo_small"), "followers", None)

    assert caught.value.masked is True


def test_private_target(sim: Sim, web: WebClient) -> None:
    with pytest.raises(PrivateTarget):
        web.list_page(sim.pk("demo_private"), "followers", None)

    users, _ = collect_list(web, sim.pk("demo_private_friend"), "followers")
    assert len(users) == 420


@pytest.mark.parametrize("gone", ["404", "null_user"])
def test_unknown_or_deactivated_profile_is_not_found(sim: Sim, web: WebClient, gone: str) -> None:
    sim.scenario("demo_small", gone=gone)

    with pytest.raises(NotFound):
        web.get_profile("demo_small")
    with pytest.raises(NotFound):
        web.get_profile("no.such.user.zzzzzzz")


def test_server_error_is_a_transport_error(sim: Sim, web: WebClient) -> None:
    sim.scenario("demo_small", server_error=True)

    with pytest.raises(TransportError) as caught:
        web.list_page(sim.pk("demo_small"), "followers", None)

    assert caught.value.status == 500


def test_unreachable_host_is_a_transport_error() -> None:
    with (
        WebClient(web_url="http://127.0.0.1:9", timeout=2) as client,
        pytest.raises(TransportError),
    ):
        client.get_profile("demo_small")


def test_graphql_empty_edges_is_a_failure_not_zero_followers(
    sim: Sim, graphql: GraphQLClient
) -> None:
    with pytest.raises(EmptyEdgesFailure):
        graphql.list_page(sim.pk("demo_graphql_empty"), "followers", None)


def test_graphql_really_empty_account_is_an_empty_page(sim: Sim, graphql: GraphQLClient) -> None:
    page = graphql.list_page(sim.pk("demo_empty"), "followers", None)

    assert page.users == [] and page.next_cursor is None


def test_pacer_runs_before_every_request_with_the_family(sim: Sim) -> None:
    families: list[str] = []
    session = sim.session()
    with GraphQLClient(
        web_url=sim.base_url, sessionid=session["sessionid"], pacer=families.append
    ) as gql:
        gql.get_profile("demo_small")
        collect_list(gql, sim.pk("demo_small"), "followers")

    assert families == ["web_api"] + ["graphql"] * 6  # 300 followers, 50 a page


def test_pacer_can_stop_a_request_before_it_is_sent(sim: Sim) -> None:
    def refuse(family: str) -> None:
        raise RateLimited(retry_after=5.0)

    with WebClient(web_url=sim.base_url, pacer=refuse) as client, pytest.raises(RateLimited):
        client.get_profile("demo_small")

    assert sim.stats()["total"] == 0
