"""The simulator speaks the wire format of docs/instagram-wire.md, over real HTTP."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from scraping.instagram import endpoints as ep
from scraping.simulator import World
from scraping.tests.fixtures_wire import *  # noqa: F403
from scraping.tests.fixtures_wire import Sim

# Keys of the wire doc's examples (sections 1-3).
PROFILE_KEYS = {
    "id", "username", "full_name", "biography", "external_url", "is_private", "is_verified",
    "is_business_account", "category_name", "profile_pic_url", "profile_pic_url_hd",
    "edge_followed_by", "edge_follow", "edge_owner_to_timeline_media",
}  # fmt: skip
TIMELINE_NODE_KEYS = {
    "id", "shortcode", "is_video", "taken_at_timestamp", "edge_liked_by",
    "edge_media_preview_like", "edge_media_to_comment", "edge_media_to_caption", "display_url",
}  # fmt: skip
LIST_KEYS = {
    "users", "big_list", "page_size", "next_max_id", "has_more",
    "should_limit_list_of_followers", "status",
}  # fmt: skip
LIST_USER_KEYS = {
    "pk", "pk_id", "id", "username", "full_name", "is_private", "is_verified",
    "profile_pic_id", "profile_pic_url", "has_anonymous_profile_picture", "account_badges",
    "latest_reel_media",
}  # fmt: skip
GRAPHQL_NODE_KEYS = {
    "id", "username", "full_name", "profile_pic_url", "is_private", "is_verified",
    "followed_by_viewer", "follows_viewer",
}  # fmt: skip


def followers_path(pk: int, direction: str = "followers") -> str:
    return ep.FRIENDSHIPS.format(pk=pk, direction=direction)


def graphql_params(
    pk: int, direction: str = "followers", first: int = 24, after: str | None = None
):
    variables: dict[str, object] = {
        "id": str(pk),
        "include_reel": True,
        "fetch_mutual": False,
        "first": first,
    }
    if after:
        variables["after"] = after
    return {"query_hash": ep.QUERY_HASHES[direction], "variables": json.dumps(variables)}


def test_web_profile_info_has_the_wire_doc_shape(sim: Sim) -> None:
    response = sim.web_get(ep.WEB_PROFILE_INFO, {"username": "demo_small"})

    body = response.json()
    user = body["data"]["user"]
    assert response.status_code == 200 and body["status"] == "ok"
    assert set(user) >= PROFILE_KEYS
    assert user["username"] == "demo_small" and isinstance(user["id"], str)
    assert user["edge_followed_by"]["count"] == 300
    assert user["edge_follow"]["count"] == 180
    node = user["edge_owner_to_timeline_media"]["edges"][0]["node"]
    assert set(node) >= TIMELINE_NODE_KEYS


def test_mobile_friendships_page_has_the_wire_doc_shape(sim: Sim) -> None:
    session = sim.session()
    response = sim.mobile_get(
        followers_path(sim.pk("demo_small")), {"count": 200}, session["authorization"]
    )

    body = response.json()
    assert set(body) >= LIST_KEYS
    assert len(body["users"]) == 200 and body["page_size"] == 200
    assert body["next_max_id"] == "200"  # demo_small uses numeric cursors
    assert body["has_more"] is False  # unreliable on purpose, as on Instagram
    assert LIST_USER_KEYS - {"profile_pic_id"} <= set(body["users"][0])
    assert isinstance(body["users"][0]["pk"], int) and isinstance(body["users"][0]["pk_id"], str)


def test_web_friendships_pages_in_at_most_25_users(sim: Sim) -> None:
    session = sim.session()
    pk = sim.pk("demo_small")

    default = sim.web_get(followers_path(pk), {}, session["sessionid"]).json()
    asked_for_200 = sim.web_get(followers_path(pk), {"count": 200}, session["sessionid"]).json()

    assert len(default["users"]) == 12
    assert len(asked_for_200["users"]) == 25


def test_graphql_followers_page_has_the_wire_doc_shape(sim: Sim) -> None:
    session = sim.session()
    response = sim.web_get(
        ep.GRAPHQL_QUERY, graphql_params(sim.pk("demo_small")), session["sessionid"]
    )

    edge = response.json()["data"]["user"]["edge_followed_by"]
    assert edge["count"] == 300
    assert edge["page_info"]["has_next_page"] is True
    assert edge["page_info"]["end_cursor"].startswith("QVFE")
    assert len(edge["edges"]) == 24
    assert set(edge["edges"][0]["node"]) >= GRAPHQL_NODE_KEYS


def test_list_is_newest_first_and_ends_without_a_cursor(sim: Sim) -> None:
    session = sim.session()
    pk = sim.pk("demo_small")
    truth = [u["pk"] for u in sim.truth("demo_small")["users"]]

    first = sim.mobile_get(followers_path(pk), {"count": 200}, session["authorization"]).json()
    last = sim.mobile_get(
        followers_path(pk), {"count": 200, "max_id": first["next_max_id"]}, session["authorization"]
    ).json()

    assert [u["pk"] for u in first["users"] + last["users"]] == truth
    assert "next_max_id" not in last  # a numeric-cursor target omits it at the end
    assert last["big_list"] is False


def test_opaque_cursor_target_ends_with_a_null_cursor(sim: Sim) -> None:
    session = sim.session()
    pk = sim.pk("demo_big")

    first = sim.mobile_get(followers_path(pk, "following"), {}, session["authorization"]).json()
    cursor, pages = first["next_max_id"], 1
    while cursor:
        page = sim.mobile_get(
            followers_path(pk, "following"), {"max_id": cursor}, session["authorization"]
        ).json()
        cursor, pages = page.get("next_max_id"), pages + 1

    assert first["next_max_id"].startswith("QVFE")
    assert pages == 6 and "next_max_id" in page and page["next_max_id"] is None


def test_same_seed_gives_the_same_users_and_another_seed_does_not() -> None:
    one, again, other = World(seed=7), World(seed=7), World(seed=8)
    index = one.cast_index("demo_small")
    assert index is not None

    assert one.truth(index, "followers") == again.truth(index, "followers")
    assert [u.pk for u in one.truth(index, "followers")] != [
        u.pk for u in other.truth(index, "followers")
    ]


def test_pks_are_64_bit_and_some_exceed_javascript_integers(sim: Sim) -> None:
    pks = [u["pk"] for u in sim.truth("demo_big")["users"]]

    assert len(set(pks)) == 20_000
    assert all(0 < pk < 2**63 for pk in pks)
    assert any(pk > 2**53 for pk in pks)


def test_followers_come_and_go_between_days(sim: Sim) -> None:
    before = sim.truth("demo_small", day=0)
    sim.advance()
    after = sim.truth("demo_small")
    profile = sim.web_get(ep.WEB_PROFILE_INFO, {"username": "demo_small"}).json()["data"]["user"]

    old, new = {u["pk"] for u in before["users"]}, {u["pk"] for u in after["users"]}
    assert after["day"] == 1
    assert old - new and new - old  # some unfollowed, some followed
    assert profile["edge_followed_by"]["count"] == after["count"] == len(new)
    assert after["users"][0]["pk"] in new - old  # newcomers are listed first


def test_a_renamed_user_keeps_its_pk(sim: Sim) -> None:
    day0 = {u["pk"]: u["username"] for u in sim.truth("demo_renames", day=0)["users"]}
    day5 = {u["pk"]: u["username"] for u in sim.truth("demo_renames", day=5)["users"]}

    assert day0.keys() == day5.keys()
    assert all(day0[pk] != day5[pk] for pk in day0)
    renamed = next(iter(day5.values()))
    sim.http.post("/__sim__/day", json={"day": 5})
    assert sim.web_get(ep.WEB_PROFILE_INFO, {"username": renamed}).status_code == 200
    old_name = day0[next(iter(day5))]
    assert sim.web_get(ep.WEB_PROFILE_INFO, {"username": old_name}).status_code == 404


def test_missing_app_id_is_refused_like_instagram(sim: Sim) -> None:
    response = sim.http.get(ep.WEB_PROFILE_INFO, params={"username": "demo_small"})

    assert response.status_code == 400
    assert response.json() == {"message": "useragent mismatch", "status": "fail"}


def test_lists_need_a_session(sim: Sim) -> None:
    pk = sim.pk("demo_small")

    web = sim.web_get(followers_path(pk), {})
    mobile = sim.mobile_get(followers_path(pk), {})
    forged = sim.web_get(followers_path(pk), {}, sim.session()["sessionid"][:-4] + "0000")

    assert web.status_code == 401 and web.json()["require_login"] is True
    assert mobile.status_code == 403 and mobile.json()["message"] == "login_required"
    assert forged.status_code == 401


def test_rate_limit_after_n_requests_then_recovers(sim: Sim) -> None:
    sim.scenario("demo_small", rate_limit={"after": 2, "for": 2, "retry_after": 30})
    session = sim.session()
    path = followers_path(sim.pk("demo_small"))

    answers = [sim.web_get(path, {}, session["sessionid"]) for _ in range(5)]

    assert [a.status_code for a in answers] == [200, 200, 429, 429, 200]
    assert answers[2].headers["Retry-After"] == "30"
    assert answers[2].json()["message"] == "Please wait a few minutes before you try again."


def test_rate_limit_can_omit_retry_after_and_send_an_empty_401(sim: Sim) -> None:
    sim.scenario("demo_small", rate_limit={"after": 0, "status": 401, "body": "empty"})
    session = sim.session()

    answer = sim.web_get(followers_path(sim.pk("demo_small")), {}, session["sessionid"])

    assert answer.status_code == 401 and answer.content == b""
    assert "Retry-After" not in answer.headers


def test_capped_list_sends_about_50_users_and_no_cursor(sim: Sim) -> None:
    session = sim.session()
    pk = sim.pk("demo_capped")

    followers = sim.mobile_get(followers_path(pk), {}, session["authorization"]).json()
    following = sim.mobile_get(followers_path(pk, "following"), {}, session["authorization"]).json()

    assert followers["should_limit_list_of_followers"] is True
    assert len(followers["users"]) == 50 and "next_max_id" not in followers
    assert sim.truth("demo_capped")["count"] == 5000
    assert following["should_limit_list_of_followers"] is False  # followings are never capped


def test_graphql_empty_edges_keeps_the_count(sim: Sim) -> None:
    session = sim.session()
    response = sim.web_get(
        ep.GRAPHQL_QUERY, graphql_params(sim.pk("demo_graphql_empty")), session["sessionid"]
    )

    edge = response.json()["data"]["user"]["edge_followed_by"]
    assert response.status_code == 200
    assert edge == {
        "count": 1500,
        "page_info": {"has_next_page": False, "end_cursor": None},
        "edges": [],
    }


def test_overlapping_pages_repeat_users_at_the_boundary(sim: Sim) -> None:
    session = sim.session()
    path = followers_path(sim.pk("demo_overlap"))

    first = sim.mobile_get(path, {}, session["authorization"]).json()
    second = sim.mobile_get(path, {"max_id": first["next_max_id"]}, session["authorization"]).json()

    repeated = {u["pk"] for u in first["users"]} & {u["pk"] for u in second["users"]}
    assert len(repeated) == 7


def test_pk_format_scenario_sends_text_pks(sim: Sim) -> None:
    sim.scenario("demo_small", pk_format="string")
    session = sim.session()
    mixed = sim.mobile_get(followers_path(sim.pk("demo_string_pks")), {}, session["authorization"])
    text = sim.mobile_get(followers_path(sim.pk("demo_small")), {}, session["authorization"])

    assert all(isinstance(u["pk"], str) for u in text.json()["users"])
    kinds = {type(u["pk"]) for u in mixed.json()["users"]}
    assert kinds == {int, str}


def test_unicode_target_sends_raw_utf8_and_rtl_names(sim: Sim) -> None:
    session = sim.session()
    response = sim.mobile_get(followers_path(sim.pk("demo_unicode")), {}, session["authorization"])
    escaped = sim.mobile_get(followers_path(sim.pk("demo_big")), {}, session["authorization"])

    names = [u["full_name"] for u in response.json()["users"]]
    assert all(not name.isascii() for name in names)
    assert any("\u0600" <= ch <= "\u06ff" for name in names for ch in name)  # Arabic
    assert any("\u0590" <= ch <= "\u05ff" for name in names for ch in name)  # Hebrew
    assert "\\u" not in response.text
    assert escaped.text.isascii()  # Instagram's default: non-ASCII escaped


def test_logout_after_n_pages(sim: Sim) -> None:
    session = sim.session()
    path = followers_path(sim.pk("demo_logout"))
    cursor = None
    statuses = []
    for _ in range(4):
        answer = sim.mobile_get(
            path, {"max_id": cursor} if cursor else {}, session["authorization"]
        )
        statuses.append(answer.status_code)
        cursor = answer.json().get("next_max_id")

    assert statuses == [200, 200, 200, 403]
    assert answer.json()["logout_reason"] == 8


@pytest.mark.parametrize(
    ("scenario", "status", "message"),
    [
        ({"challenge": "classic"}, 400, "challenge_required"),
        ({"challenge": "auth_platform"}, 400, "challenge_required"),
        ({"checkpoint": True}, 400, "checkpoint_required"),
        ({"feedback": True}, 400, "feedback_required"),
    ],
)
def test_account_trouble_scenarios_send_instagrams_bodies(
    sim: Sim, scenario: dict[str, object], status: int, message: str
) -> None:
    sim.scenario("demo_small", **scenario)
    session = sim.session()

    answer = sim.mobile_get(followers_path(sim.pk("demo_small")), {}, session["authorization"])

    assert answer.status_code == status
    assert answer.json()["message"] == message
    if scenario.get("challenge") == "auth_platform":
        assert answer.json()["challenge"]["api_path"].startswith("/auth_platform/?apc=")


def test_masked_challenge_is_a_bare_404(sim: Sim) -> None:
    sim.scenario("demo_small", challenge="masked_404")
    session = sim.session()

    answer = sim.web_get(followers_path(sim.pk("demo_small")), {}, session["sessionid"])

    assert answer.status_code == 404 and answer.text == "Not Found"


def test_private_target_is_listable_only_by_its_followers(sim: Sim) -> None:
    owner = sim.session("demo_owner")

    refused = sim.mobile_get(followers_path(sim.pk("demo_private")), {}, owner["authorization"])
    friend = sim.mobile_get(
        followers_path(sim.pk("demo_private_friend")), {}, owner["authorization"]
    )

    assert refused.status_code == 400
    assert refused.json()["message"] == "Not authorized to view user"
    assert friend.status_code == 200
    assert len(friend.json()["users"]) == 200


def test_private_scenario_flips_a_public_target(sim: Sim) -> None:
    sim.scenario("demo_small", private=True)
    stranger = sim.session("demo_2fa")

    profile = sim.web_get(ep.WEB_PROFILE_INFO, {"username": "demo_small"}).json()["data"]["user"]
    answer = sim.mobile_get(followers_path(sim.pk("demo_small")), {}, stranger["authorization"])

    assert profile["is_private"] is True
    assert profile["edge_owner_to_timeline_media"]["edges"] == []
    assert answer.status_code == 400


def test_gone_target_is_404_or_null_user(sim: Sim) -> None:
    sim.scenario("demo_small", gone="null_user")
    null_user = sim.web_get(ep.WEB_PROFILE_INFO, {"username": "demo_small"})
    sim.scenario("demo_small", gone="404")
    missing = sim.web_get(ep.WEB_PROFILE_INFO, {"username": "demo_small"})

    assert null_user.status_code == 200 and null_user.json()["data"]["user"] is None
    assert missing.status_code == 404


def test_unknown_scenario_is_rejected(sim: Sim) -> None:
    response = sim.http.patch("/__sim__/scenarios/demo_small", json={"bogus": True})

    assert response.status_code == 400
    assert "unknown scenario" in response.json()["error"]


def test_stats_count_requests_per_endpoint_and_target_and_reset(sim: Sim) -> None:
    session = sim.session()
    sim.web_get(ep.WEB_PROFILE_INFO, {"username": "demo_small"})
    sim.web_get(followers_path(sim.pk("demo_small")), {}, session["sessionid"])
    sim.web_get(followers_path(sim.pk("demo_small")), {}, session["sessionid"])

    stats = sim.stats()
    reset = sim.http.post("/__sim__/stats/reset").json()

    assert stats["endpoints"] == {"web_profile_info": 1, "web_followers": 2}
    assert stats["targets"]["demo_small"] == {"web_profile_info": 1, "web_followers": 2}
    assert stats["status"] == {"200": 3}
    assert reset["total"] == 0


def test_stats_count_requests_per_viewer_with_a_log_of_arrivals(sim: Sim) -> None:
    session = sim.session()
    before = time.time()
    sim.web_get(ep.WEB_PROFILE_INFO, {"username": "demo_small"})
    sim.web_get(followers_path(sim.pk("demo_small")), {}, session["sessionid"])
    sim.web_get(followers_path(sim.pk("demo_small")), {}, session["sessionid"])

    viewers = sim.stats()["viewers"]
    log = sim.http.get("/__sim__/stats/log").json()
    sim.http.post("/__sim__/stats/reset")
    after_reset = sim.http.get("/__sim__/stats/log").json()

    assert viewers == {"anonymous": {"web_profile_info": 1}, "demo_owner": {"web_followers": 2}}
    assert [entry[1:] for entry in log["requests"]] == [
        ["anonymous", "web_profile_info"],
        ["demo_owner", "web_followers"],
        ["demo_owner", "web_followers"],
    ]
    assert all(before <= entry[0] <= time.time() for entry in log["requests"])
    assert after_reset == {"count": 0, "requests": []}


def test_any_users_followers_list_can_be_resized() -> None:
    world = World(seed=3)
    name = world.user(50_000).username
    resized = World(seed=3, follower_counts={name: 1234, "demo_small": 10})

    assert resized.follower_count(50_000) == 1234
    assert len(resized.truth(50_000, "followers")) == 1234
    assert resized.follower_count(resized.cast_index("demo_small") or 0) == 10
    with pytest.raises(ValueError, match="no such user: nobody_here"):
        World(seed=3, follower_counts={"nobody_here": 5})


def test_delay_slows_every_instagram_answer(sim: Sim) -> None:
    sim.http.post("/__sim__/delay", json={"ms": 150})
    started = time.monotonic()
    sim.web_get(ep.WEB_PROFILE_INFO, {"username": "demo_small"})
    elapsed = time.monotonic() - started
    sim.http.post("/__sim__/delay", json={"ms": 0})

    assert elapsed >= 0.15


def test_reset_restores_day_and_cast_scenarios(sim: Sim) -> None:
    sim.advance(3)
    sim.clear_scenarios("demo_capped")
    sim.reset()

    assert sim.http.get("/__sim__/day").json() == {"day": 0}
    assert sim.http.get("/__sim__/scenarios/demo_capped").json()["scenarios"] == {"capped": True}


def test_profile_pictures_are_served_by_the_simulator(sim: Sim) -> None:
    urls = [u["profile_pic_url"] for u in sim.truth("demo_small")["users"]]
    signed = next(url for url in urls if "oh=00_" in url)
    anonymous = next(url for url in urls if "44884218_345707102882519" in url)

    response = sim.http.get(signed)

    assert all(url.startswith(sim.base_url + "/sim-cdn/") for url in urls)
    assert "oe=" in signed
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")
    assert sim.http.get(anonymous).content.startswith(b"\x89PNG")


def test_cast_lists_demo_logins_and_targets(sim: Sim) -> None:
    cast = {c["username"]: c for c in sim.http.get("/__sim__/cast").json()["cast"]}

    assert cast["demo_owner"]["login"] == {
        "password": "demo-pass",
        "two_factor_code": None,
        "challenge": False,
    }
    assert cast["demo_2fa"]["login"]["two_factor_code"] == "123456"
    assert cast["demo_big"]["followers"] == 20_000
    assert cast["demo_private"]["is_private"] is True


def test_concurrent_requests_are_served_in_parallel(sim: Sim) -> None:
    sim.http.post("/__sim__/delay", json={"ms": 200})
    session = sim.session()
    path = followers_path(sim.pk("demo_small"))

    def fetch(_: int) -> int:
        headers = {**ep.web_headers(), "Cookie": f"sessionid={session['sessionid']}"}
        return sim.http.get(path, headers=headers).status_code

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(fetch, range(8)))
    elapsed = time.monotonic() - started
    sim.http.post("/__sim__/delay", json={"ms": 0})

    assert statuses == [200] * 8
    assert elapsed < 8 * 0.2 * 0.75  # one after another would take 1.6 s
