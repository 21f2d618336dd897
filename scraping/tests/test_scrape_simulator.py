"""The engine with the real clients over real HTTP against the simulator (run
in this process; test_scrape_worker.py runs it in a real worker)."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings

from accounts_app.models import IgUser, LoginCredential, TrackedAccount
from accounts_app.tests import factories
from core.models import AppSettings
from igdash.dashboard import kpis
from scraping import services
from scraping.models import Direction, RateLimitEvent, Relationship, Scrape
from scraping.ratelimit import Limits
from scraping.services import logins
from scraping.tests.sim_control import Sim

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_limits")]
FAMILIES_ENV = ("WEB_API", "GRAPHQL", "MOBILE_API")


def scrape(handle: str, **kwargs: Any) -> Scrape:
    created = services.create_scrape(handle, **kwargs)
    result = services.run_scrape(created.pk)
    assert result is not None
    return result


def stored(pks: set[int]) -> dict[int, dict[str, Any]]:
    fields = ("username", "full_name", "profile_pic_url", "is_verified", "is_private")
    return {
        row["ig_pk"]: {key: row[key] for key in fields}
        for row in IgUser.objects.filter(ig_pk__in=pks).values("ig_pk", *fields)
    }


def active(username: str, direction: int = Direction.FOLLOWER) -> set[int]:
    return set(
        Relationship.objects.filter(
            target__user__username=username, direction=direction, ended_by__isnull=True
        ).values_list("user__ig_pk", flat=True)
    )


def as_truth(truth: dict[int, dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {pk: {k: v for k, v in user.items() if k != "pk"} for pk, user in truth.items()}


@pytest.mark.parametrize(
    ("target", "client"),
    [
        ("demo_big", "web"),  # 20,000 followers, opaque cursors, 800 pages of 25
        ("demo_big", "private"),  # 100 pages of 200
        ("demo_overlap", "web"),  # pages overlap by 7 users
        ("demo_string_pks", "private"),  # half the pks arrive as text
        ("demo_unicode", "web"),  # RTL, combining marks, emoji, raw UTF-8
    ],
)
def test_list_is_stored_exactly_as_the_simulator_knows_it(
    sim: Sim, owner: LoginCredential, target: str, client: str
) -> None:
    result = scrape(target, lists="followers", source=client)

    truth = sim.truth(target)
    assert result.status == Scrape.Status.SUCCEEDED, result.error_message
    assert result.client_used == client
    assert active(target) == set(truth)
    assert stored(set(truth)) == as_truth(truth)
    part = result.parts.get()
    assert part.fetched == len(truth)
    assert result.stats.followers == len(truth)


def test_day_two_delta_and_mutuals_match_the_truth(sim: Sim, owner: LoginCredential) -> None:
    before = {d: sim.truth("demo_small", d) for d in ("followers", "following")}
    first = scrape("demo_small")
    assert first.status == Scrape.Status.SUCCEEDED, first.error_message
    sim.advance()
    after = {d: sim.truth("demo_small", d) for d in ("followers", "following")}

    second = scrape("@demo_small")

    assert second.status == Scrape.Status.SUCCEEDED, second.error_message
    for name, direction in (("followers", Direction.FOLLOWER), ("following", Direction.FOLLOWING)):
        new = set(after[name]) - set(before[name])
        lost = set(before[name]) - set(after[name])
        assert new and lost, "the simulator churns demo_small every day"
        got_new = Relationship.objects.filter(first_seen=second, direction=direction)
        got_lost = Relationship.objects.filter(ended_by=second, direction=direction)
        assert set(got_new.values_list("user__ig_pk", flat=True)) == new
        assert set(got_lost.values_list("user__ig_pk", flat=True)) == lost
        assert active("demo_small", direction) == set(after[name])
    mutuals = set(after["followers"]) & set(after["following"])
    assert second.stats.mutuals == len(mutuals)
    assert second.stats.not_following_back == len(set(after["following"]) - mutuals)
    assert second.stats.new_followers == len(set(after["followers"]) - set(before["followers"]))


def test_renamed_followers_are_neither_new_nor_lost(sim: Sim, owner: LoginCredential) -> None:
    scrape("demo_renames", lists="followers")
    sim.advance(5)  # every follower has renamed by day 5

    second = scrape("demo_renames", lists="followers")

    truth = sim.truth("demo_renames")
    assert (second.stats.new_followers, second.stats.lost_followers) == (0, 0)
    assert {u["username"] for u in stored(set(truth)).values()} == {
        u["username"] for u in truth.values()
    }


def test_capped_list_is_partial_and_a_later_complete_scrape_has_the_true_delta(
    sim: Sim, owner: LoginCredential
) -> None:
    sim.scenarios("demo_capped")  # no cap on day 0
    day0 = sim.truth("demo_capped")
    assert scrape("demo_capped", lists="followers", source="private").status == "succeeded"
    sim.advance()
    sim.scenarios("demo_capped", capped=True)

    capped = scrape("demo_capped", lists="followers", source="private")

    assert capped.status == Scrape.Status.PARTIAL
    assert "capped" in capped.error_message
    assert not Relationship.objects.filter(ended_by__isnull=False).exists()
    sim.advance()
    sim.scenarios("demo_capped")
    day2 = sim.truth("demo_capped")

    complete = scrape("demo_capped", lists="followers", source="private")

    assert complete.status == Scrape.Status.SUCCEEDED
    ended = Relationship.objects.filter(ended_by=complete).values_list("user__ig_pk", flat=True)
    assert set(ended) == set(day0) - set(day2)
    assert active("demo_capped") == set(day2)


def test_empty_edges_failure_is_partial_and_ends_nobody(sim: Sim, owner: LoginCredential) -> None:
    first = scrape("demo_graphql_empty", lists="followers", source="web")
    assert first.status == Scrape.Status.SUCCEEDED
    sim.advance()

    failed = scrape("demo_graphql_empty", lists="followers", source="graphql")

    assert failed.status == Scrape.Status.PARTIAL
    assert "empty list with a non-zero count" in failed.error_message
    assert not Relationship.objects.filter(ended_by__isnull=False).exists()
    later = scrape("demo_graphql_empty", lists="followers", source="web")
    assert later.status == Scrape.Status.SUCCEEDED
    assert active("demo_graphql_empty") == set(sim.truth("demo_graphql_empty"))
    assert later.stats.lost_followers > 0


def test_logout_mid_list_needs_attention_then_resumes_after_a_new_login(
    sim: Sim, owner: LoginCredential
) -> None:
    result = scrape("demo_logout", lists="followers", source="private")

    assert result.status == Scrape.Status.NEEDS_ATTENTION
    assert "logged @demo_owner out" in result.error_message
    assert result.parts.get().pages == 3
    assert not Relationship.objects.exists()
    owner.refresh_from_db()
    assert owner.status == LoginCredential.Status.LOGGED_OUT

    logins.store_login("demo_owner", sessionid=sim.session("demo_owner"))
    sim.scenarios("demo_logout")  # Instagram lets the new session through
    before = len(sim.list_requests())
    services.retry_scrape(result.pk)
    resumed = services.run_scrape(result.pk)

    assert resumed is not None and resumed.status == Scrape.Status.SUCCEEDED
    assert active("demo_logout") == set(sim.truth("demo_logout"))
    assert len(sim.list_requests()) - before == resumed.parts.get().pages - 3


@pytest.mark.parametrize(
    ("scenario", "status"),
    [
        ({"challenge": "classic"}, "challenge"),
        ({"challenge": "masked_404"}, "challenge"),
        ({"checkpoint": True}, "challenge"),
        ({"feedback": True}, "feedback"),
        ({"logout_after_pages": 0}, "logged_out"),
    ],
)
def test_login_problem_stops_all_requests_with_that_login(
    sim: Sim, owner: LoginCredential, scenario: dict[str, Any], status: str
) -> None:
    sim.scenarios("demo_small", **scenario)

    result = scrape("demo_small", lists="followers")

    owner.refresh_from_db()
    assert owner.status == status
    assert result.status == Scrape.Status.NEEDS_ATTENTION
    assert result.error_message == owner.status_message
    sent = len(sim.log)

    other = scrape("demo_overlap")
    services.retry_scrape(result.pk)
    again = services.run_scrape(result.pk)

    assert len(sim.log) == sent
    assert other.status == Scrape.Status.FAILED
    assert again is not None and again.status == Scrape.Status.NEEDS_ATTENTION


def test_rate_limit_closes_the_window_for_every_scrape_of_that_login(
    sim: Sim, owner: LoginCredential
) -> None:
    sim.scenarios("demo_ratelimit", rate_limit={"after": 2, "for": 1, "retry_after": 2})

    waiting = scrape("demo_ratelimit", lists="followers", source="private")

    assert waiting.status == Scrape.Status.WAITING_RATE_LIMIT
    assert waiting.resume_at is not None
    sent = len(sim.list_requests())
    # Same login, same (mobile) family: its window is closed.
    other = scrape("demo_small", lists="followers", source="private")
    assert other.status == Scrape.Status.WAITING_RATE_LIMIT
    assert len(sim.list_requests()) == sent  # no list request left while it was closed
    assert services.run_scrape(waiting.pk) is None  # not due yet

    time.sleep(max((waiting.resume_at.timestamp() - time.time()), 0) + 0.1)
    done = services.run_scrape(waiting.pk)

    assert done is not None and done.status == Scrape.Status.SUCCEEDED, done and done.error_message
    assert active("demo_ratelimit") == set(sim.truth("demo_ratelimit"))
    first_429 = next(e for e in sim.log if e.status == 429)
    after = [e for e in sim.list_requests() if e.at > first_429.at]
    assert min(e.at for e in after) >= first_429.at + 2 - 0.05


def test_private_target_is_listed_as_the_login_that_follows_it(
    sim: Sim, owner: LoginCredential
) -> None:
    result = scrape("demo_private_friend", lists="followers", use_private_login=True)

    assert result.status == Scrape.Status.SUCCEEDED, result.error_message
    assert result.client_used == "private"
    assert active("demo_private_friend") == set(sim.truth("demo_private_friend"))


def test_private_target_nobody_follows_fails_with_the_reason(
    sim: Sim, owner: LoginCredential
) -> None:
    result = scrape("demo_private", use_private_login=True)

    assert result.status == Scrape.Status.FAILED
    assert result.error_message == "@demo_private is private and none of your logins follows it."


def test_unknown_account_fails_and_leaves_no_tracked_account(
    sim: Sim, owner: LoginCredential, client: Client
) -> None:
    assert scrape("demo_small", lists="followers").status == Scrape.Status.SUCCEEDED
    before = kpis().tracked

    result = scrape("https://instagram.com/no_such_account_here/?hl=en")

    assert result.status == Scrape.Status.FAILED
    assert "has no account @no_such_account_here" in result.error_message
    assert result.error_message.startswith("Not found:")
    assert result.target is None and result.handle == "no_such_account_here"
    assert list(TrackedAccount.objects.values_list("user__username", flat=True)) == ["demo_small"]
    assert not IgUser.objects.filter(username="no_such_account_here").exists()
    assert kpis().tracked == before == 1
    # The failed run stays in the Scrapes list, saying why.
    factories.logged_in(client)
    html = client.get("/scrapes/").content.decode()
    row = html[html.index(f'data-scrape="{result.pk}"') :]
    row = row[: row.index("</li>")]
    assert "@no_such_account_here" in row and "Not found" in row
    assert "/accounts/no_such_account_here" not in row
    page = client.get(f"/scrapes/{result.pk}/")
    assert page.status_code == 200 and "Not found" in page.content.decode()
    mine = client.get("/scrapes/", {"account": "no_such_account_here"}).content.decode()
    assert f'data-scrape="{result.pk}"' in mine


def test_not_found_keeps_a_tracked_account_that_has_data(sim: Sim, owner: LoginCredential) -> None:
    assert scrape("demo_small", lists="followers").status == Scrape.Status.SUCCEEDED
    sim.scenarios("demo_small", gone="404")

    result = scrape("demo_small", lists="followers")

    assert result.status == Scrape.Status.FAILED
    assert result.target is not None and result.target.user.username == "demo_small"
    assert TrackedAccount.objects.count() == 1


def test_an_old_name_of_a_tracked_account_is_named_when_not_found(
    sim: Sim, owner: LoginCredential
) -> None:
    assert scrape("demo_small", lists="followers").status == Scrape.Status.SUCCEEDED
    sim.rename("demo_small", "demo_small_renamed")
    assert scrape("demo_small", lists="followers").status == Scrape.Status.SUCCEEDED

    # The owner types the old name again: Instagram does not know it any more.
    result = scrape("demo_small", lists="followers")

    assert result.status == Scrape.Status.FAILED
    assert "You track the account that had this name as @demo_small_renamed" in (
        result.error_message
    )
    assert TrackedAccount.objects.get().user.username == "demo_small_renamed"


@pytest.mark.django_db(transaction=True)
def test_scrape_command_waits_and_prints_a_summary(
    sim: Sim, owner: LoginCredential, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("scrape", "https://www.instagram.com/demo_small/", "--wait")

    out = capsys.readouterr().out
    assert re.search(r"Scrape #\d+ of @demo_small succeeded in [\d.]+ s", out), out
    assert "followers: 300 fetched of 300, 300 new, 0 lost, complete" in out
    assert "following: 180 fetched of 180" in out


@pytest.mark.django_db(transaction=True)
def test_scrape_command_explains_a_partial_list_in_plain_words(
    sim: Sim, owner: LoginCredential, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("scrape", "@demo_capped", "--followers", "--client", "private", "--wait")

    out = capsys.readouterr().out
    assert re.search(
        r"followers: 50 fetched of 5,\d{3}, 50 new, lost not judged, partial\. "
        r"Instagram showed only 50 of 5,\d{3} followers",
        out,
    ), out
    assert "should_limit" not in out


@pytest.mark.django_db(transaction=True)
def test_scrape_command_fails_with_one_line(sim: Sim, owner: LoginCredential) -> None:
    sim.scenarios("demo_small", feedback=True)

    with pytest.raises(CommandError) as failure:
        call_command("scrape", "@demo_small", "--wait")

    message = str(failure.value)
    assert "\n" not in message
    assert re.match(r"scrape #\d+ of @demo_small needs_attention: Instagram blocked", message)
    with pytest.raises(CommandError, match=r"already has scrape #\d+ \(needs attention\)"):
        call_command("scrape", "demo_small")


def test_rate_limits_off_lets_a_20k_scrape_run_without_windows_or_pauses(
    sim: Sim, owner: LoginCredential, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The owner's settings as on a fresh install, with windows far too small for
    # 20,000 followers; IGDASH_RATE_LIMITS=off (the simulator walk-through) must
    # bypass them all, and the pauses too.
    for name in ("PACING", "RATE_INLINE_WAIT", *(f"RATE_{f}_LIMIT" for f in FAMILIES_ENV)):
        monkeypatch.delenv(f"IGDASH_{name}", raising=False)
    AppSettings.objects.update_or_create(
        pk=1,
        defaults={
            "web_api_limit": 3,
            "graphql_limit": 3,
            "mobile_api_limit": 3,
            "jitter_mean_seconds": 0.5,
            "jitter_max_seconds": 1,
        },
    )

    with override_settings(RATE_LIMITS=False):
        limits = Limits.load()
        result = scrape("demo_big", lists="followers", source="private")

    assert not limits.pacing and all(w.limit == 0 for w in limits.windows.values())
    assert result.status == Scrape.Status.SUCCEEDED, result.error_message
    assert result.parts.get().fetched == 20_000
    assert not RateLimitEvent.objects.exists()  # no window counted a request


def test_nightly_refresh_of_a_renamed_target_follows_its_pk(
    sim: Sim, owner: LoginCredential, caplog: pytest.LogCaptureFixture
) -> None:
    first = scrape("demo_small", lists="followers")
    assert first.status == Scrape.Status.SUCCEEDED, first.error_message
    target = first.target
    TrackedAccount.objects.filter(pk=target.pk).update(bookmarked=True)
    pk = sim.profile_pk("demo_small")
    sim.rename("demo_small", "demo_small_renamed")

    (nightly,) = services.refresh_bookmarked()
    with caplog.at_level(logging.INFO, logger="scraping.services.engine"):
        result = services.run_scrape(nightly.pk)

    assert result is not None
    assert result.status == Scrape.Status.SUCCEEDED, result.error_message
    assert result.target_id == target.pk
    user = IgUser.objects.get(ig_pk=pk)
    assert user.username == "demo_small_renamed"
    assert TrackedAccount.objects.get(pk=target.pk).user == user
    assert result.note == (
        f"@demo_small is now @demo_small_renamed (found by its Instagram id {pk})."
    )
    assert any("is now @demo_small_renamed" in r.getMessage() for r in caplog.records)
    assert active("demo_small_renamed") == set(sim.truth("demo_small_renamed"))
    assert (result.stats.new_followers, result.stats.lost_followers) == (0, 0)


def test_a_renamed_target_whose_pk_is_gone_too_is_not_found(
    sim: Sim, owner: LoginCredential
) -> None:
    assert scrape("demo_small", lists="followers").status == Scrape.Status.SUCCEEDED
    sim.rename("demo_small", "demo_small_renamed")
    sim.scenarios("demo_small_renamed", gone="404")

    result = scrape("demo_small", lists="followers")

    assert result.status == Scrape.Status.FAILED
    assert "has no account @demo_small" in result.error_message
    assert IgUser.objects.get(tracked__isnull=False).username == "demo_small"


@pytest.mark.django_db(transaction=True)
def test_scrape_command_stops_when_its_run_here_dies(
    sim: Sim, owner: LoginCredential, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before: --wait polled forever when the run in this process died.
    def broken(scrape_id: int) -> None:
        raise RuntimeError("database table is locked")

    monkeypatch.setattr(services, "run_scrape", broken)

    with pytest.raises(CommandError, match=r"scrape #\d+ stopped here while queued"):
        call_command("scrape", "@demo_small", "--wait")
