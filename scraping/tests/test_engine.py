"""The scrape engine against an in-memory Instagram: what the database holds
after each kind of run."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from accounts_app.models import IgUser, LoginCredential, TrackedAccount
from scraping import services
from scraping.instagram.errors import (
    ChallengeRequired,
    EmptyEdgesFailure,
    FeedbackRequired,
    LoginRequired,
    RateLimited,
    TransportError,
)
from scraping.instagram.types import UserRecord
from scraping.models import (
    Direction,
    RateLimitWindow,
    Relationship,
    Scrape,
    ScrapeList,
    ScrapeSeen,
)
from scraping.ratelimit import TRANSIT_GUARD_S
from scraping.services import engine, logins
from scraping.services.tuning import SCRAPE_CACHE_KIB
from scraping.tests.engine_fakes import FakeClient, FakeInstagram, make_users

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_limits")]


def run(world: FakeInstagram, scrape: Scrape) -> Scrape:
    result = services.run_scrape(scrape.pk, connect=world.connect)
    assert result is not None
    return result


def active(username: str, direction: int = Direction.FOLLOWER) -> set[int]:
    return set(
        Relationship.objects.filter(
            target__user__username=username, direction=direction, ended_by__isnull=True
        ).values_list("user__ig_pk", flat=True)
    )


def pks(users: list[UserRecord]) -> set[int]:
    return {user.pk for user in users}


def test_first_scrape_stores_every_user_once_across_overlapping_pages(
    web_login: LoginCredential,
) -> None:
    world = FakeInstagram(page_size=10, overlap=3)
    followers, following = make_users(95), make_users(30, start=5000)
    world.add("target", 1, followers, following)

    scrape = run(world, services.create_scrape("@target"))

    assert scrape.status == Scrape.Status.SUCCEEDED, scrape.error_message
    assert scrape.client_used == "web"
    assert "owner_ig" in scrape.client_reason
    stored = {
        u.ig_pk: (u.username, u.full_name, u.profile_pic_url, u.is_verified, u.is_private)
        for u in IgUser.objects.filter(ig_pk__in=pks(followers))
    }
    assert stored == {
        u.pk: (u.username, u.full_name, u.profile_pic_url, u.is_verified, u.is_private)
        for u in followers
    }
    assert active("target") == pks(followers)
    assert active("target", Direction.FOLLOWING) == pks(following)
    part = scrape.parts.get(direction=Direction.FOLLOWER)
    assert (part.fetched, part.pages, part.complete) == (95, 10, True)
    assert not ScrapeSeen.objects.exists()
    assert scrape.stats.followers == 95
    assert scrape.stats.new_followers == 95
    target = TrackedAccount.objects.get(user__username="target")
    assert (target.follower_count, target.last_scrape_id) == (95, scrape.pk)
    assert target.user.ig_pk == 1


def test_second_scrape_records_exactly_the_churn(web_login: LoginCredential) -> None:
    world = FakeInstagram()
    day1 = make_users(50)
    world.add("target", 1, day1, make_users(20, start=1040))
    first = run(world, services.create_scrape("target"))
    gone, stayed, joined = day1[:7], day1[7:], make_users(5, start=9000)
    world.set_lists("target", joined + stayed)

    second = run(world, services.create_scrape("target"))

    assert second.status == Scrape.Status.SUCCEEDED
    assert (second.stats.new_followers, second.stats.lost_followers) == (5, 7)
    new = Relationship.objects.filter(first_seen=second, direction=Direction.FOLLOWER)
    assert set(new.values_list("user__ig_pk", flat=True)) == pks(joined)
    lost = Relationship.objects.filter(ended_by=second)
    assert set(lost.values_list("user__ig_pk", flat=True)) == pks(gone)
    assert set(lost.values_list("last_seen", flat=True)) == {first.pk}
    assert active("target") == pks(joined + stayed)
    # Mutuals: followers 1040..1049 of day 1 are also followed; all stayed.
    assert second.stats.mutuals == 10
    assert second.stats.not_following_back == 10
    assert second.stats.not_followed_back == len(joined + stayed) - 10


def test_renamed_user_is_neither_new_nor_lost(web_login: LoginCredential) -> None:
    world = FakeInstagram()
    users = make_users(20)
    world.add("target", 1, users)
    run(world, services.create_scrape("target"))
    renamed = users[3]._replace(username="brand_new_name")
    world.set_lists("target", [*users[:3], renamed, *users[4:]])

    second = run(world, services.create_scrape("target"))

    assert (second.stats.new_followers, second.stats.lost_followers) == (0, 0)
    assert IgUser.objects.get(ig_pk=users[3].pk).username == "brand_new_name"
    assert IgUser.objects.filter(ig_pk__isnull=False).count() == 21


def test_user_known_only_by_name_gets_its_pk_and_keeps_its_history(
    web_login: LoginCredential,
) -> None:
    users = make_users(10)
    imported = IgUser.objects.create(username=users[0].username)
    world = FakeInstagram()
    world.add("target", 1, users)

    run(world, services.create_scrape("target", lists="followers"))

    imported.refresh_from_db()
    assert imported.ig_pk == users[0].pk
    assert imported.full_name == users[0].full_name
    assert IgUser.objects.filter(username=users[0].username).count() == 1


def test_capped_list_is_partial_and_ends_nobody_until_a_complete_scrape(
    web_login: LoginCredential,
) -> None:
    world = FakeInstagram()
    users = make_users(40)
    account = world.add("target", 1, users)
    run(world, services.create_scrape("target", lists="followers"))
    account.capped = True
    world.set_lists("target", users[10:])

    capped = run(world, services.create_scrape("target", lists="followers"))

    assert capped.status == Scrape.Status.PARTIAL
    assert "capped" in capped.error_message
    assert not Relationship.objects.filter(ended_by__isnull=False).exists()
    assert capped.stats.lost_followers == 0
    assert capped.parts.get().complete is False

    account.capped = False
    complete = run(world, services.create_scrape("target", lists="followers"))
    assert complete.status == Scrape.Status.SUCCEEDED
    assert complete.stats.lost_followers == 10
    assert active("target") == pks(users[10:])


def test_empty_edges_failure_is_partial_and_ends_nobody(web_login: LoginCredential) -> None:
    world = FakeInstagram()
    users = make_users(30)
    world.add("target", 1, users)
    run(world, services.create_scrape("target", lists="followers"))
    world.errors[world.list_calls + 2] = EmptyEdgesFailure()

    scrape = run(world, services.create_scrape("target", lists="followers"))

    assert scrape.status == Scrape.Status.PARTIAL
    assert "empty list with a non-zero count" in scrape.error_message
    assert active("target") == pks(users)
    assert not Relationship.objects.filter(ended_by__isnull=False).exists()


@pytest.mark.parametrize(
    ("fetched", "status"), [(995, Scrape.Status.SUCCEEDED), (994, Scrape.Status.PARTIAL)]
)
def test_fetched_count_may_differ_from_the_profile_by_half_a_percent(
    web_login: LoginCredential, fetched: int, status: str
) -> None:
    world = FakeInstagram(page_size=200)
    world.add("target", 1, make_users(fetched), follower_count=1000)  # tolerance max(2, 5)

    scrape = run(world, services.create_scrape("target", lists="followers"))

    assert scrape.status == status


def test_count_far_from_the_profile_is_partial(web_login: LoginCredential) -> None:
    world = FakeInstagram(page_size=50)
    world.add("target", 1, make_users(100), follower_count=1000)

    scrape = run(world, services.create_scrape("target", lists="followers"))

    assert scrape.status == Scrape.Status.PARTIAL
    assert "fetched 100 of 1,000" in scrape.error_message


@pytest.mark.parametrize(
    ("seconds_a_page", "group_users", "groups"),
    [
        (0.0, 2000, [6]),  # answers at once: one transaction for the list
        (0.0, 25, [3, 3]),  # at most GROUP_USERS users a transaction
        (0.3, 2000, [4, 2]),  # a write once a second has passed since the last
        (5.0, 2000, [1] * 6),  # a paced scrape: every page on its own, at once
    ],
)
def test_pages_that_arrive_within_a_second_of_the_last_write_are_stored_together(
    web_login: LoginCredential,
    monkeypatch: pytest.MonkeyPatch,
    seconds_a_page: float,
    group_users: int,
    groups: list[int],
) -> None:
    now = [0.0]
    monkeypatch.setattr(engine, "_clock", lambda: now[0])
    monkeypatch.setattr(engine, "GROUP_USERS", group_users)
    stored: list[int] = []
    store_pages = engine.store_pages

    def recording(scrape: Scrape, worker: str, part: ScrapeList, pages: list[object]) -> int:
        stored.append(len(pages))
        return store_pages(scrape, worker, part, pages)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "store_pages", recording)
    world = FakeInstagram()
    users = make_users(60)
    world.add("target", 1, users)

    def connect(*args: object) -> object:
        client = world.connect(*args)  # type: ignore[arg-type]
        list_page = client.list_page

        def slow(*a: object) -> object:
            now[0] += seconds_a_page
            return list_page(*a)  # type: ignore[arg-type]

        client.list_page = slow  # type: ignore[method-assign]
        return client

    scrape = services.run_scrape(services.create_scrape("target", lists="followers").pk,
                                 connect=connect)  # type: ignore[arg-type]  # fmt: skip

    assert scrape is not None and scrape.status == Scrape.Status.SUCCEEDED
    assert stored == groups
    assert (scrape.parts.get().pages, scrape.parts.get().fetched) == (6, 60)
    assert active("target") == pks(users)


def test_a_429_still_closes_the_window_when_the_pending_pages_find_the_scrape_cancelled(
    web_login: LoginCredential,
) -> None:
    world = FakeInstagram()
    world.add("target", 1, make_users(50))
    world.errors[3] = RateLimited(retry_after=120)
    scrape = services.create_scrape("target", lists="followers")
    list_page = FakeClient.list_page

    def cancelling(client: FakeClient, *a: object) -> object:
        if world.list_calls == 2:  # pages 1 and 2 wait to be written together
            services.cancel_scrape(scrape.pk)
        return list_page(client, *a)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(FakeClient, "list_page", cancelling)
        services.run_scrape(scrape.pk, connect=world.connect)  # type: ignore[arg-type]

    scrape.refresh_from_db()
    assert scrape.status == Scrape.Status.CANCELLED  # parking it found it no longer ours
    assert scrape.parts.get().pages == 0  # the write found it cancelled
    closed = RateLimitWindow.objects.get(key=f"login:{web_login.pk}")
    assert closed.blocked_until is not None and closed.blocked_until > timezone.now()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's page cache")
def test_a_scrape_writes_with_a_larger_sqlite_cache_and_gives_it_back(
    web_login: LoginCredential, monkeypatch: pytest.MonkeyPatch
) -> None:
    def cache_size() -> int:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            return int(cursor.fetchone()[0])

    before = cache_size()
    during: list[int] = []
    store_pages = engine.store_pages

    def recording(*args: object) -> int:
        during.append(cache_size())
        return store_pages(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "store_pages", recording)
    world = FakeInstagram()
    world.add("target", 1, make_users(30))
    world.errors[2] = TransportError("connection reset")  # leaves by an error

    run(world, services.create_scrape("target", lists="followers"))

    assert during == [-SCRAPE_CACHE_KIB]
    assert before != -SCRAPE_CACHE_KIB
    assert cache_size() == before


def test_logout_mid_list_needs_attention_then_resumes_from_its_checkpoint(
    web_login: LoginCredential,
) -> None:
    world = FakeInstagram()
    users = make_users(60)
    world.add("target", 1, users)
    world.errors[3] = LoginRequired()

    scrape = run(world, services.create_scrape("target", lists="followers"))

    assert scrape.status == Scrape.Status.NEEDS_ATTENTION
    assert "logged @owner_ig out" in scrape.error_message
    web_login.refresh_from_db()
    assert web_login.status == LoginCredential.Status.LOGGED_OUT
    assert not Relationship.objects.exists()
    assert scrape.parts.get().cursor == "20"  # pages 1-2, not yet written, were kept

    logins.store_login("owner_ig", sessionid="12345%3Anew%3A1")  # the owner logs in again
    services.retry_scrape(scrape.pk)
    calls_before = world.list_calls
    scrape = run(world, scrape)

    assert scrape.status == Scrape.Status.SUCCEEDED
    assert active("target") == pks(users)
    assert world.list_calls - calls_before == 4  # pages 3..6, nothing fetched twice


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (ChallengeRequired(url="https://i.instagram.com/challenge/1/"), "challenge"),
        (FeedbackRequired(), "feedback"),
        (LoginRequired(), "logged_out"),
    ],
)
def test_login_problem_stops_every_request_with_that_login(
    web_login: LoginCredential, error: Exception, status: str
) -> None:
    world = FakeInstagram()
    world.add("target", 1, make_users(30))
    world.add("other", 2, make_users(30, start=3000))
    world.errors[1] = error

    scrape = run(world, services.create_scrape("target", lists="followers"))

    web_login.refresh_from_db()
    assert web_login.status == status
    assert scrape.status == Scrape.Status.NEEDS_ATTENTION
    assert scrape.error_message == web_login.status_message
    sent = len(world.requests)

    services.retry_scrape(scrape.pk)
    again = run(world, scrape)
    other = run(world, services.create_scrape("other"))

    assert len(world.requests) == sent  # nothing went out as that login
    assert again.status == Scrape.Status.NEEDS_ATTENTION
    assert other.status == Scrape.Status.FAILED
    assert "logged-in account" in other.error_message


def test_rate_limit_parks_the_scrape_and_it_resumes_when_the_time_comes(
    web_login: LoginCredential,
) -> None:
    world = FakeInstagram()
    users = make_users(50)
    world.add("target", 1, users)
    world.errors[2] = RateLimited(retry_after=120)

    scrape = run(world, services.create_scrape("target", lists="followers"))

    assert scrape.status == Scrape.Status.WAITING_RATE_LIMIT
    assert scrape.resume_at is not None
    assert 110 < (scrape.resume_at - timezone.now()).total_seconds() <= 120
    assert "resuming at" in scrape.error_message
    assert services.run_scrape(scrape.pk, connect=world.connect) is None  # not yet
    sent = len(world.requests)

    with time_machine.travel(timezone.now() + dt.timedelta(seconds=121), tick=True):
        scrape = run(world, scrape)

    assert scrape.status == Scrape.Status.SUCCEEDED
    assert active("target") == pks(users)
    assert len(world.requests) == sent + 4  # pages 2..5 once each


def test_window_closed_by_limiter_sends_nothing(
    web_login: LoginCredential, settings: SettingsWrapper
) -> None:
    settings.RATE_WEB_API_LIMIT, settings.RATE_WEB_API_WINDOW = 3, 600.0
    world = FakeInstagram()
    world.add("target", 1, make_users(50))

    scrape = run(world, services.create_scrape("target", lists="followers"))

    assert scrape.status == Scrape.Status.WAITING_RATE_LIMIT
    assert len(world.requests) == 3  # profile + two pages; the fourth never left
    assert scrape.parts.get().pages == 2
    assert 590 < (scrape.resume_at - timezone.now()).total_seconds() <= 600 + TRANSIT_GUARD_S


def test_killed_worker_resumes_from_the_checkpoint_after_the_heartbeat_goes_stale(
    web_login: LoginCredential,
) -> None:
    world = FakeInstagram()
    users = make_users(60)
    world.add("target", 1, users)
    world.errors[4] = SystemExit("worker killed")  # escapes the engine (pages 1-3 are kept)

    scrape = services.create_scrape("target", lists="followers")
    with pytest.raises(SystemExit):
        services.run_scrape(scrape.pk, connect=world.connect)
    scrape.refresh_from_db()
    assert scrape.status == Scrape.Status.RUNNING
    assert services.run_scrape(scrape.pk, connect=world.connect) is None  # heartbeat fresh

    with time_machine.travel(timezone.now() + dt.timedelta(seconds=400), tick=True):
        assert services.resume_stale_scrapes() == [scrape.pk]
        scrape = run(world, scrape)

    assert scrape.status == Scrape.Status.SUCCEEDED
    assert scrape.attempts == 2
    assert world.list_calls == 4 + 3  # the page in flight again, then pages 5 and 6
    assert active("target") == pks(users)


def test_transient_errors_retry_then_fail(
    web_login: LoginCredential, settings: SettingsWrapper
) -> None:
    settings.SCRAPE_MAX_RETRIES = 1
    world = FakeInstagram()
    world.add("target", 1, make_users(30))
    world.errors[1] = TransportError("Instagram answered HTTP 502")
    world.errors[2] = TransportError("Instagram answered HTTP 502")
    scrape = run(world, services.create_scrape("target", lists="followers"))
    assert scrape.status == Scrape.Status.QUEUED
    assert scrape.retries == 1

    with time_machine.travel(timezone.now() + dt.timedelta(seconds=31), tick=True):
        scrape = run(world, scrape)

    assert scrape.status == Scrape.Status.FAILED
    assert "Gave up after 1 retries" in scrape.error_message


def test_unknown_account_fails_with_a_reason(web_login: LoginCredential) -> None:
    scrape = run(FakeInstagram(), services.create_scrape("nobody_here"))

    assert scrape.status == Scrape.Status.FAILED
    assert scrape.error_message.startswith("Not found: Instagram has no account @nobody_here")


def test_private_target_is_listed_with_a_login_that_follows_it(isolated_vault: object) -> None:
    stranger = logins.store_login("stranger", password="pw1")
    friend = logins.store_login("friend", password="pw2")
    world = FakeInstagram()
    users = make_users(25)
    account = world.add("secretive", 1, users, is_private=True)
    account.followed_by_logins.add(friend.pk)

    scrape = run(world, services.create_scrape("secretive", lists="followers"))

    assert scrape.status == Scrape.Status.SUCCEEDED, scrape.error_message
    assert scrape.client_used == "private"
    assert scrape.login == friend
    assert stranger.pk in {login_id for _, login_id, _ in world.requests}
    assert active("secretive") == pks(users)


def test_private_target_without_a_follower_login_fails(isolated_vault: object) -> None:
    logins.store_login("stranger", password="pw1")
    world = FakeInstagram()
    world.add("secretive", 1, make_users(25), is_private=True)

    scrape = run(world, services.create_scrape("secretive"))

    assert scrape.status == Scrape.Status.FAILED
    assert "private and none of your logins follows it" in scrape.error_message


def test_second_active_scrape_of_a_target_is_refused(web_login: LoginCredential) -> None:
    first = services.create_scrape("@target")

    with pytest.raises(services.AlreadyActive, match=rf"already has scrape #{first.pk} \(queued\)"):
        services.create_scrape("https://www.instagram.com/target/")
    assert Scrape.objects.count() == 1


def test_cancelled_scrape_stops_its_worker_and_records_nothing(web_login: LoginCredential) -> None:
    world = FakeInstagram()
    world.add("target", 1, make_users(40))
    scrape = services.create_scrape("target", lists="followers")

    class CancelOnSecondPage(Exception):
        pass

    original = world.connect

    def connect(*args: object) -> object:
        client = original(*args)  # type: ignore[arg-type]
        list_page = client.list_page

        def cancelling(*a: object) -> object:
            if world.list_calls == 1:
                services.cancel_scrape(scrape.pk)
            return list_page(*a)  # type: ignore[arg-type]

        client.list_page = cancelling  # type: ignore[method-assign]
        return client

    assert services.run_scrape(scrape.pk, connect=connect) is None  # type: ignore[arg-type]
    scrape.refresh_from_db()
    assert scrape.status == Scrape.Status.CANCELLED
    assert not Relationship.objects.exists()
    assert not ScrapeSeen.objects.exists()
    # Both pages arrived within a second: the write that would have stored them
    # together found the scrape cancelled and stored neither.
    assert ScrapeList.objects.get(scrape=scrape).pages == 0


def test_resumer_requeues_waiting_scrapes_once_per_stale_period(
    web_login: LoginCredential, django_capture_on_commit_callbacks: object
) -> None:
    scrape = services.create_scrape("target")
    Scrape.objects.filter(pk=scrape.pk).update(
        status=Scrape.Status.WAITING_RATE_LIMIT, resume_at=timezone.now() - dt.timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[operator]
        assert services.resume_stale_scrapes() == [scrape.pk]
        assert services.resume_stale_scrapes() == []
    assert len(callbacks) == 1
    assert Scrape.objects.get(pk=scrape.pk).status == Scrape.Status.QUEUED


def test_nightly_refresh_spaces_bookmarked_accounts(
    web_login: LoginCredential, django_capture_on_commit_callbacks: object
) -> None:
    for name in ("alpha", "beta", "gamma"):
        services.create_scrape(name)
    Scrape.objects.update(status=Scrape.Status.SUCCEEDED)
    TrackedAccount.objects.exclude(user__username="gamma").update(bookmarked=True)

    created = services.refresh_bookmarked()

    assert [s.target.user.username for s in created] == ["alpha", "beta"]
    assert created[0].resume_at is None
    assert created[1].resume_at is not None
    delay = (created[1].resume_at - created[1].created_at).total_seconds()
    assert 299 <= delay <= 301
    assert {s.trigger for s in created} == {Scrape.Trigger.SCHEDULE}


def test_locked_vault_parks_the_scrape_and_unlocking_resumes_it(
    web_login: LoginCredential, settings: SettingsWrapper, django_capture_on_commit_callbacks
) -> None:
    from accounts_app import vault

    world = FakeInstagram()
    world.add("target", 1, make_users(30))
    vault.set_passphrase("a long enough passphrase")
    settings.BOOT_SECRET = b"r" * 32
    vault.forget_key()  # a restart: igdash is locked

    parked = run(world, services.create_scrape("target"))

    assert parked.status == Scrape.Status.NEEDS_ATTENTION
    assert parked.error_code == "vault_locked"
    assert "enter the passphrase" in parked.error_message
    assert world.list_calls == 0
    web_login.refresh_from_db()
    assert web_login.status != LoginCredential.Status.LOCKED  # the login itself is fine

    vault.unlock("a long enough passphrase")
    with django_capture_on_commit_callbacks():
        for hook in vault.AFTER_UNLOCK:
            hook()
    assert Scrape.objects.get(pk=parked.pk).status == Scrape.Status.QUEUED
    finished = run(world, Scrape.objects.get(pk=parked.pk))
    assert finished.status == Scrape.Status.SUCCEEDED
    assert active("target") == pks(make_users(30))


def test_finalise_queues_the_avatars_of_the_target_and_the_new_users(
    web_login: LoginCredential, django_capture_on_commit_callbacks, monkeypatch: pytest.MonkeyPatch
) -> None:
    from accounts_app.tasks import cache_avatars

    queued: list[list[int]] = []
    monkeypatch.setattr(cache_avatars, "delay", lambda ids: queued.append(ids))
    world = FakeInstagram()
    world.add("target", 1, make_users(12))
    with django_capture_on_commit_callbacks(execute=True):
        run(world, services.create_scrape("target", lists="followers"))

    target_user = TrackedAccount.objects.get(user__username="target").user_id
    followers = set(
        IgUser.objects.filter(ig_pk__in=pks(make_users(12))).values_list("pk", flat=True)
    )
    assert len(queued) == 1
    assert queued[0][0] == target_user
    assert set(queued[0][1:]) == followers


def test_a_login_just_chosen_sends_the_next_scrape_to_another(isolated_vault: object) -> None:
    """Two scrapes that start together spread over the logins: a login counts as
    used when a scrape chooses it, not only once a page of it is stored."""
    first = logins.store_login("first", password="pw1")
    second = logins.store_login("second", password="pw2")
    world = FakeInstagram()
    world.add("alpha", 1, make_users(25))
    world.add("beta", 2, make_users(25, start=5000))
    for call in range(1, 10):  # alpha never gets a page: no page stored as `first`
        world.errors[call] = TransportError("connection reset")

    alpha = run(world, services.create_scrape("alpha", lists="followers"))
    assert alpha.login == first and not ScrapeSeen.objects.filter(scrape=alpha).exists()
    world.errors.clear()
    beta = run(world, services.create_scrape("beta", lists="followers"))

    assert beta.status == Scrape.Status.SUCCEEDED, beta.error_message
    assert beta.login == second


def test_a_login_removed_during_the_profile_request_is_not_used(
    web_login: LoginCredential, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The login is chosen from the list read under the lock, after the profile
    request; when the owner removed the last login meanwhile, the scrape fails
    with "no login" instead of going on with the list read before."""
    world = FakeInstagram()
    world.add("target", 1, make_users(10))
    real = logins.usable_logins
    calls: list[int] = []

    def usable() -> object:
        calls.append(1)
        if len(calls) == 2:  # under the lock: the owner has just removed it
            LoginCredential.objects.all().delete()
        return real()

    monkeypatch.setattr(logins, "usable_logins", usable)

    scrape = run(world, services.create_scrape("target", lists="followers"))

    assert scrape.status == Scrape.Status.FAILED and scrape.error_code == "no_login"
    assert len(calls) == 2
