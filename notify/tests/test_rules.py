"""The owner's rules after a complete scrape, the digests, quiet hours, the
backup and worker alarms: events recorded and delivered to a local endpoint."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from accounts_app.models import IgUser
from accounts_app.tests import factories
from core.models import WorkerHeartbeat
from notify import channels, delivery, digest, rules, tasks
from notify.models import AccountRule, Delivery, Event, Kind, WatchedUser
from notify.tests.inbox import Inbox
from notify.watchdog import Watchdog
from scraping.models import Relationship
from scraping.services.transitions import change_status

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("isolated_vault", "eager")]
Capture = Callable[..., Any]


def lost_and_new(account: Any) -> tuple[list[str], list[str]]:
    last = account.last_scrape
    rows = Relationship.objects.filter(target=account, direction=1)
    lost = sorted(rows.filter(ended_by=last).values_list("user__username", flat=True))
    new = sorted(rows.filter(first_seen=last).values_list("user__username", flat=True))
    return lost, new


def test_only_watched_users_and_new_followers_above_the_count(
    inbox: Inbox, django_capture_on_commit_callbacks: Capture
) -> None:
    alice = factories.tracked("alice", followers=10, days=3, churn=3)
    lost, new = lost_and_new(alice)
    watched = IgUser.objects.get(username=lost[0])
    WatchedUser.objects.create(account=alice, user=watched)
    WatchedUser.objects.create(account=alice, user=IgUser.objects.get(username=new[1]))
    AccountRule.objects.create(account=alice, lost="watched", new_above=2, watched=True)
    channels.create("Phone", inbox.url("phone"))

    with django_capture_on_commit_callbacks(execute=True):
        made = rules.scrape_changed(alice.last_scrape_id, "succeeded")

    assert {e.kind for e in made} == {Kind.LOST_FOLLOWERS, Kind.NEW_FOLLOWERS, Kind.WATCHED}
    said = {m["message"].split("\n")[0] for m in inbox.to("phone")}
    assert said == {
        f"@alice lost 1 follower: @{lost[0]}",
        f"@alice has 3 new followers: @{new[0]}, @{new[1]} and @{new[2]}",
        f"@alice: watched @{lost[0]} stopped following; @{new[1]} started following",
    }


def test_new_followers_at_or_under_the_count_and_lost_off_say_nothing(inbox: Inbox) -> None:
    alice = factories.tracked("alice", followers=10, days=3, churn=3)
    AccountRule.objects.create(account=alice, lost="off", new_above=3, watched=True)
    assert rules.scrape_changed(alice.last_scrape_id, "succeeded") == []
    # A scrape that moved on since (say, failed then retried) makes nothing either.
    assert rules.scrape_changed(alice.last_scrape_id, "failed") == []


def test_the_first_scrape_of_an_account_has_no_new_followers() -> None:
    alice = factories.tracked("alice", followers=10, days=1)
    AccountRule.objects.create(account=alice, new_above=0)
    assert rules.scrape_changed(alice.last_scrape_id, "succeeded") == []


def test_more_than_twenty_names_end_with_a_count_and_the_link() -> None:
    alice = factories.tracked("alice", followers=40, days=2, churn=25)
    [event] = rules.scrape_changed(alice.last_scrape_id, "succeeded")
    assert event.text.startswith("@alice lost 25 followers: @alice_f")
    assert event.text.endswith(" and 5 more")
    assert event.text.count("@alice_f") == 20
    assert event.link == "http://127.0.0.1:8000/accounts/alice/?tab=followers&show=lost"


@pytest.fixture
def night(settings: Any) -> None:
    settings.TIME_ZONE = "Europe/Berlin"


@pytest.mark.usefixtures("night")
def test_quiet_hours_hold_a_message_until_they_end_and_it_goes_out_once(
    inbox: Inbox, django_capture_on_commit_callbacks: Capture
) -> None:
    channels.create(
        "Phone", inbox.url("phone"), quiet_start=dt.time(22, 0), quiet_end=dt.time(7, 0)
    )
    channels.create("Desk", inbox.url("desk"))
    berlin = timezone.get_current_timezone()
    with time_machine.travel(dt.datetime(2026, 12, 3, 23, 30, tzinfo=berlin), tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            rules.events.publish("test:quiet", Kind.BACKUP_FAILED, "The nightly backup failed: x")
        held = Delivery.objects.get(channel__name="Phone")
        assert held.status == Delivery.Status.HELD
        assert held.hold_until == dt.datetime(2026, 12, 4, 7, 0, tzinfo=berlin)
        assert inbox.to("phone") == [] and len(inbox.to("desk")) == 1
        clock.move_to(dt.datetime(2026, 12, 4, 6, 59, tzinfo=berlin))
        tasks.release_held.apply()
        assert inbox.to("phone") == []
        clock.move_to(dt.datetime(2026, 12, 4, 7, 1, tzinfo=berlin))
        tasks.release_held.apply()
        tasks.release_held.apply()
    assert len(inbox.to("phone")) == 1 and len(inbox.to("desk")) == 1
    assert Delivery.objects.get(channel__name="Phone").status == Delivery.Status.SENT


@pytest.mark.usefixtures("night")
def test_quiet_hours_within_one_day() -> None:
    channel = channels.create(
        "Desk", "json://127.0.0.1:9/x", quiet_start=dt.time(12, 0), quiet_end=dt.time(14, 0)
    )
    tz = timezone.get_current_timezone()
    assert delivery.quiet_until(channel, dt.datetime(2026, 1, 1, 11, 59, tzinfo=tz)) is None
    assert delivery.quiet_until(channel, dt.datetime(2026, 1, 1, 12, 0, tzinfo=tz)) == (
        dt.datetime(2026, 1, 1, 14, 0, tzinfo=tz)
    )
    assert delivery.quiet_until(channel, dt.datetime(2026, 1, 1, 14, 0, tzinfo=tz)) is None


def test_daily_digest_names_new_and_lost_and_weekly_waits_for_monday(inbox: Inbox) -> None:
    alice = factories.tracked("alice", followers=10, days=3, churn=2)
    bob = factories.tracked("bob", followers=5, days=2, churn=1)
    AccountRule.objects.create(account=alice, digest="daily")
    AccountRule.objects.create(account=bob, digest="weekly")
    channels.create("Phone", inbox.url("phone"))
    lost, _new = lost_and_new(alice)
    # An hour from now (the factory's last scrape is a day's window away), on a
    # day that is not a Monday (whose weekly digest would go out too). A fixed
    # date plus an hour became a Friday after 23:00, and "Monday" a Tuesday.
    thursday = timezone.localtime() + dt.timedelta(hours=1)
    if thursday.weekday() == 0:
        thursday += dt.timedelta(days=1)

    with time_machine.travel(thursday, tick=False):
        made = digest.send_due()
    assert [e.account for e in made] == [alice]
    text = made[0].text
    assert text.startswith("@alice daily digest: 10 followers")
    for name in lost:
        assert f"@{name}" not in text.split("New:")[1].split("Lost:")[0]
    assert made[0].link.endswith("/accounts/alice/?tab=followers")
    # Once a day: asking again the same day records nothing new.
    with time_machine.travel(thursday, tick=False):
        assert [e.pk for e in digest.send_due()] == [made[0].pk]
    monday = thursday + dt.timedelta(days=7 - thursday.weekday())
    with time_machine.travel(monday, tick=False):
        assert {e.account for e in digest.send_due()} == {alice, bob}


def test_digest_text_lists_the_window_names() -> None:
    alice = factories.tracked("alice", followers=10, days=3, churn=2)
    lost, new = lost_and_new(alice)
    # The factory's scrapes finish two minutes after each day's mark: a day back
    # from three minutes past the last one holds that scrape only.
    text = digest.build(alice, "daily", timezone.now() + dt.timedelta(minutes=3))
    assert f"+{len(new)} -{len(lost)} in the last 1 day" in text
    assert text.split("\n")[1] == "New: " + " and ".join(f"@{n}" for n in new) + "."
    assert text.split("\n")[2] == "Lost: " + " and ".join(f"@{n}" for n in lost) + "."


def test_a_failed_nightly_backup_is_told(
    inbox: Inbox, django_capture_on_commit_callbacks: Capture
) -> None:
    from exports.backups import tasks as backup_tasks
    from exports.backups.archives import BackupError

    channels.create("Phone", inbox.url("phone"))
    # The test database lives in memory: there is no database file to back up.
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(BackupError):
        backup_tasks.nightly_backup()
    [message] = inbox.to("phone")
    assert message["message"].startswith("The nightly backup failed: ")
    assert Event.objects.get().kind == Kind.BACKUP_FAILED


def test_the_worker_down_for_five_minutes_is_told_once(inbox: Inbox) -> None:
    channels.create("Phone", inbox.url("phone"))
    now = timezone.now()
    WorkerHeartbeat.objects.create(hostname="w1", last_seen=now, pid=1)
    dog = Watchdog()
    assert dog.check(now) is None  # alive
    WorkerHeartbeat.objects.filter(hostname="w1").update(last_seen=now - dt.timedelta(minutes=1))
    assert dog.check(now) is None  # down for a minute only
    later = now + dt.timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        event = dog.check(later)
        assert dog.check(later + dt.timedelta(minutes=1)) == event
    assert event is not None and event.kind == Kind.WORKER_DOWN
    [message] = inbox.to("phone")
    assert message["message"].startswith("The igdash worker is down since ")
    assert message["message"].endswith("http://127.0.0.1:8000/health")


@pytest.mark.parametrize(
    ("status", "code", "kind", "words"),
    [
        ("needs_attention", "needs_2fa", Kind.SCRAPE_WAITING, "waits for you: Enter the code"),
        ("partial", "incomplete", Kind.SCRAPE_PARTIAL, "is partial, nobody was marked lost: "),
    ],
)
def test_a_scrape_that_waits_on_the_owner_or_went_partial_is_told(
    inbox: Inbox,
    django_capture_on_commit_callbacks: Capture,
    status: str,
    code: str,
    kind: str,
    words: str,
) -> None:
    channels.create("Phone", inbox.url("phone"))
    alice = factories.tracked("alice", followers=3, days=1)
    run = factories.scrape(alice, status="running", lists="none")
    message = "Enter the code Instagram sent to @demo_owner (Settings)."
    # Through the signal, as the engine changes it: sent once the change commits.
    with django_capture_on_commit_callbacks(execute=True):
        change_status(run.pk, status, message, error_code=code, error_message=message)
    [event] = Event.objects.all()
    assert event.kind == kind and event.text.startswith(f"@alice: scrape #{run.pk} ")
    assert words in event.text
    [sent] = inbox.to("phone")
    assert sent["message"].endswith(f"/scrapes/{run.pk}/")
    # The same status again (a second attempt that waits too) is a new event
    # only when the attempt changed.
    assert rules.scrape_changed(run.pk, status)[0].pk == event.pk


def test_queued_running_and_cancelled_tell_nothing(
    django_capture_on_commit_callbacks: Capture,
) -> None:
    alice = factories.tracked("alice", followers=3, days=1)
    run = factories.scrape(alice, status="queued", lists="none")
    with django_capture_on_commit_callbacks(execute=True):
        change_status(run.pk, "running", "claimed")
        change_status(run.pk, "cancelled", "by the owner")
    assert not Event.objects.exists()


def test_the_weekly_digest_names_the_top_post_of_the_week() -> None:
    from content.store import finalise, store_page
    from content.tests import builders

    creator = builders.target("creator", followers=1000)
    run = builders.scrape(creator, builders.day(10), followers=1000)
    content = builders.part(run)
    store_page(
        run,
        content,
        [
            builders.media(1, builders.day(8), likes=50, comments=5),
            builders.media(2, builders.day(9), likes=120, comments=30),
            builders.media(3, builders.day(1), likes=900, comments=90),  # older than the week
        ],
    )
    finalise(run, content)

    text = digest.build(creator, "weekly", builders.day(10, hour=14))

    assert text.startswith("@creator weekly digest: 1,000 followers, +0 -0 in the last 7 days.")
    assert text.endswith("Top post of the week: instagram.com/p/C2/ (120 likes, 15.0% engagement).")


def test_the_watchdog_thread_starts_and_stops() -> None:
    from notify import watchdog

    stop = watchdog.start()
    assert any(t.name == "igdash-watchdog" for t in __import__("threading").enumerate())
    stop.set()


def test_the_daily_task_removes_events_older_than_ninety_days() -> None:
    old = Event.objects.create(key="old", kind=Kind.DIGEST, text="old")
    Event.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=91))
    Event.objects.create(key="new", kind=Kind.DIGEST, text="new")
    tasks.digests.apply()
    assert list(Event.objects.values_list("key", flat=True)) == ["new"]


def test_a_locked_vault_holds_deliveries_until_the_unlock(
    inbox: Inbox, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Capture
) -> None:
    from accounts_app import vault

    channels.create("Phone", inbox.url("phone"))
    monkeypatch.setattr(vault, "passphrase_mode", lambda: True)
    monkeypatch.setattr(vault, "is_locked", lambda: True)
    with django_capture_on_commit_callbacks(execute=True):
        rules.events.publish("k", Kind.BACKUP_FAILED, "The nightly backup failed: x")
    held = Delivery.objects.get()
    assert held.status == Delivery.Status.HELD and held.error == delivery.LOCKED
    assert held.attempts == 0 and inbox.arrived == []
    tasks.release_held.apply()  # due again only after the recheck time
    assert inbox.arrived == []

    monkeypatch.setattr(vault, "is_locked", lambda: False)
    for hook in vault.AFTER_UNLOCK:
        if hook is delivery.release_after_unlock:
            hook()
    assert len(inbox.to("phone")) == 1
    assert Delivery.objects.get().status == Delivery.Status.SENT
