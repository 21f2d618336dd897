"""The private client (instagrapi underneath) against the simulator over real HTTP."""

from __future__ import annotations

import json
from typing import Any

import pytest
from requests.adapters import HTTPAdapter

from scraping.instagram.base import collect_list
from scraping.instagram.errors import (
    BadPassword,
    ChallengeRequired,
    CheckpointRequired,
    FeedbackRequired,
    LoginRequired,
    NotFound,
    PrivateTarget,
    RateLimited,
    TransportError,
    TwoFactorRequired,
    UnknownUser,
)
from scraping.instagram.private import PrivateClient
from scraping.simulator import DEMO_2FA_CODE, DEMO_PASSWORD
from scraping.tests.fixtures_wire import *  # noqa: F403
from scraping.tests.fixtures_wire import Sim


def client(sim: Sim, **kwargs: Any) -> PrivateClient:
    return PrivateClient(api_url=sim.base_url, web_url=sim.base_url, **kwargs)


@pytest.fixture(scope="module")
def owner_settings(simulator_server: Any) -> dict[str, Any]:
    """One password login per module; tests reuse the stored settings like the app does."""
    logged_in = PrivateClient(api_url=simulator_server.base_url, web_url=simulator_server.base_url)
    logged_in.login("demo_owner", DEMO_PASSWORD)
    return logged_in.settings()


@pytest.fixture
def private(sim: Sim, owner_settings: dict[str, Any]) -> PrivateClient:
    return client(sim, settings=owner_settings)


def test_password_login_gives_storable_settings(sim: Sim) -> None:
    fresh = client(sim)
    fresh.login("demo_owner", DEMO_PASSWORD)

    settings = fresh.settings()
    assert fresh.user_id == sim.pk("demo_owner")
    assert settings["authorization_data"]["ds_user_id"] == str(sim.pk("demo_owner"))
    assert json.loads(json.dumps(settings)) == settings  # JSON-serialisable for storage
    assert settings["request_timeout"] == 0 and settings["session_retry_statuses"] == []
    assert sim.stats()["endpoints"]["mobile_login"] == 1


def test_stored_settings_work_without_logging_in_again(sim: Sim, private: PrivateClient) -> None:
    assert private.verify_session() == sim.pk("demo_owner")
    assert private.get_profile("demo_small").follower_count == 300
    assert "mobile_login" not in sim.stats()["endpoints"]


def test_two_factor_login_asks_for_the_code_then_accepts_it(sim: Sim) -> None:
    first = client(sim)
    with pytest.raises(TwoFactorRequired) as caught:
        first.login("demo_2fa", DEMO_PASSWORD)
    assert caught.value.two_factor_identifier and caught.value.code_rejected is False

    second = client(sim)
    second.login("demo_2fa", DEMO_PASSWORD, verification_code=DEMO_2FA_CODE)

    assert second.user_id == sim.pk("demo_2fa")
    assert sim.stats()["endpoints"]["mobile_two_factor_login"] == 1


def test_wrong_two_factor_code_is_rejected(sim: Sim) -> None:
    with pytest.raises(TwoFactorRequired) as caught:
        client(sim).login("demo_2fa", DEMO_PASSWORD, verification_code="000000")

    assert caught.value.code_rejected is True


def test_challenge_at_login_is_surfaced_not_resolved(sim: Sim) -> None:
    with pytest.raises(ChallengeRequired) as caught:
        client(sim).login("demo_challenge", DEMO_PASSWORD)

    assert caught.value.api_path is not None and caught.value.api_path.startswith("/challenge/")
    assert sim.stats()["endpoints"]["mobile_login"] == 1  # no automatic challenge_resolve


def test_bad_password_and_unknown_user(sim: Sim) -> None:
    with pytest.raises(BadPassword) as wrong:
        client(sim).login("demo_owner", "not-the-password")
    assert not isinstance(wrong.value, UnknownUser)
    # Instagram answers error_type "invalid_user" for a name it does not have.
    with pytest.raises(UnknownUser):
        client(sim).login("nobody_here", DEMO_PASSWORD)


def test_login_by_sessionid(sim: Sim) -> None:
    adopted = client(sim)
    adopted.login_by_sessionid(sim.session("demo_owner")["sessionid"])

    assert adopted.user_id == sim.pk("demo_owner")
    assert adopted.username == "demo_owner"
    assert len(adopted.list_page(sim.pk("demo_small"), "followers", None).users) == 200


def test_login_by_a_forged_sessionid_is_login_required(sim: Sim) -> None:
    forged = sim.session("demo_owner")["sessionid"][:-6] + "abcdef"

    with pytest.raises(LoginRequired):
        client(sim).login_by_sessionid(forged)
    with pytest.raises(LoginRequired):
        client(sim).login_by_sessionid("not-a-session")


def test_scrapes_20000_followers_exactly_at_200_a_page(sim: Sim, private: PrivateClient) -> None:
    users, capped = collect_list(private, sim.pk("demo_big"), "followers")

    truth = sim.truth("demo_big")["users"]
    assert capped is False
    assert [
        {
            "pk": u.pk,
            "username": u.username,
            "full_name": u.full_name,
            "profile_pic_url": u.profile_pic_url,
            "is_verified": u.is_verified,
            "is_private": u.is_private,
        }
        for u in users
    ] == truth
    assert sim.stats()["endpoints"]["mobile_followers"] == 100


def test_one_page_per_call_with_the_cursor(sim: Sim, private: PrivateClient) -> None:
    page = private.list_page(sim.pk("demo_small"), "followers", None)
    last = private.list_page(sim.pk("demo_small"), "followers", page.next_cursor)

    assert (len(page.users), page.next_cursor) == (200, "200")
    assert (len(last.users), last.next_cursor) == (100, None)
    assert sim.stats()["endpoints"]["mobile_followers"] == 2


def test_overlap_and_mixed_pks(sim: Sim, private: PrivateClient) -> None:
    overlap, _ = collect_list(private, sim.pk("demo_overlap"), "followers")
    mixed, _ = collect_list(private, sim.pk("demo_string_pks"), "followers")

    assert [u.pk for u in overlap] == [u["pk"] for u in sim.truth("demo_overlap")["users"]]
    assert [u.pk for u in mixed] == [u["pk"] for u in sim.truth("demo_string_pks")["users"]]


def test_capped_page_is_flagged(sim: Sim, private: PrivateClient) -> None:
    page = private.list_page(sim.pk("demo_capped"), "followers", None)

    assert page.capped is True and len(page.users) == 50 and page.next_cursor is None


@pytest.mark.parametrize("retry_after", [7, None])
def test_429_is_rate_limited_and_not_retried(
    sim: Sim, private: PrivateClient, retry_after: int | None
) -> None:
    sim.scenario("demo_small", rate_limit={"after": 0, "retry_after": retry_after})

    with pytest.raises(RateLimited) as caught:
        private.list_page(sim.pk("demo_small"), "followers", None)

    assert caught.value.retry_after == (None if retry_after is None else float(retry_after))
    assert sim.stats()["endpoints"]["mobile_followers"] == 1  # no urllib3 retries


def test_empty_429_is_rate_limited(sim: Sim, private: PrivateClient) -> None:
    sim.scenario("demo_small", rate_limit={"after": 0, "body": "empty", "retry_after": 3})

    with pytest.raises(RateLimited) as caught:
        private.list_page(sim.pk("demo_small"), "followers", None)

    assert caught.value.retry_after == 3.0


def test_logout_mid_list(sim: Sim, private: PrivateClient) -> None:
    with pytest.raises(LoginRequired):
        collect_list(private, sim.pk("demo_logout"), "followers")

    assert sim.stats()["endpoints"]["mobile_followers"] == 4


@pytest.mark.parametrize(
    ("scenario", "error"),
    [
        ({"challenge": "classic"}, ChallengeRequired),
        ({"challenge": "masked_404"}, ChallengeRequired),
        ({"checkpoint": True}, CheckpointRequired),
        ({"feedback": True}, FeedbackRequired),
        ({"gone": "404"}, NotFound),
        ({"server_error": True}, TransportError),
    ],
)
def test_list_errors_map_to_our_taxonomy(
    sim: Sim, private: PrivateClient, scenario: dict[str, Any], error: type[Exception]
) -> None:
    sim.scenario("demo_small", **scenario)

    with pytest.raises(error):
        private.list_page(sim.pk("demo_small"), "followers", None)

    assert sim.stats()["endpoints"]["mobile_followers"] == 1  # never resolved or retried


def test_private_target(sim: Sim, private: PrivateClient) -> None:
    with pytest.raises(PrivateTarget):
        private.list_page(sim.pk("demo_private"), "followers", None)

    users, _ = collect_list(private, sim.pk("demo_private_friend"), "followers")
    assert sim.pk("demo_owner") in {u.pk for u in users}
    assert private.get_profile("demo_private").is_private is True


def test_unknown_profile_is_not_found(sim: Sim, private: PrivateClient) -> None:
    with pytest.raises(NotFound):
        private.get_profile("no.such.user.zzzzzzz")


def test_without_a_session_lists_need_login(sim: Sim) -> None:
    with pytest.raises(LoginRequired):
        client(sim).list_page(sim.pk("demo_small"), "followers", None)


def test_pacer_runs_before_every_request(sim: Sim, owner_settings: dict[str, Any]) -> None:
    families: list[str] = []
    paced = client(sim, settings=owner_settings, pacer=families.append)

    paced.get_profile("demo_small")
    collect_list(paced, sim.pk("demo_small"), "followers")

    assert families == ["mobile_api"] * 3
    assert sim.stats()["total"] == 3


def test_pacer_refusal_stops_the_request(sim: Sim, owner_settings: dict[str, Any]) -> None:
    def refuse(family: str) -> None:
        raise RateLimited(retry_after=1.0)

    with pytest.raises(RateLimited):
        client(sim, settings=owner_settings, pacer=refuse).get_profile("demo_small")

    assert sim.stats()["total"] == 0


def test_environment_proxies_are_read_once_and_igdashs_own_proxy_wins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("http_proxy", "https_proxy", "no_proxy", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)  # urllib prefers the lowercase ones
    monkeypatch.setenv("HTTPS_PROXY", "http://env-proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "www.instagram.com")

    plain = PrivateClient()
    sessions = (plain._cl.private, plain._cl.public, plain._cl.graphql)
    assert [s.trust_env for s in sessions] == [False] * 3  # not read again per request
    assert plain._cl.private.proxies["https"] == "http://env-proxy.example:3128"
    assert "https" not in plain._cl.public.proxies  # NO_PROXY names the web host

    own = PrivateClient(proxy="http://igdash-proxy.example:8080")
    assert own._cl.private.proxies["https"] == "http://igdash-proxy.example:8080"
    assert own._cl.public.proxies["https"] == "http://igdash-proxy.example:8080"


def test_the_environments_ca_bundle_still_applies_after_a_session_login(
    sim: Sim, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/corporate.pem")
    verified: list[object] = []
    send = HTTPAdapter.send

    def recording(self: HTTPAdapter, request: object, **kwargs: object) -> object:
        verified.append(kwargs.get("verify"))
        return send(self, request, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(HTTPAdapter, "send", recording)
    adopted = client(sim)
    adopted.login_by_sessionid(sim.session("demo_owner")["sessionid"])  # resets verify
    adopted.get_profile("demo_small")

    assert verified and set(verified) == {"/etc/ssl/corporate.pem"}
