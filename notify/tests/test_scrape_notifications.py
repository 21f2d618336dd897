"""Scrapes against the simulator over real HTTP, with their notifications
delivered over real HTTP to a local endpoint (Apprise json://): what arrived is
what the owner would read."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from accounts_app.models import LoginCredential
from notify import channels, tasks
from notify.models import Channel, Delivery, Event, Kind
from notify.tests.inbox import Inbox
from scraping import services
from scraping.models import Scrape
from scraping.tests.sim_control import Sim

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_limits", "eager")]
Capture = Callable[..., Any]


def scrape(capture: Capture, handle: str, **kwargs: Any) -> Scrape:
    """Create and run a scrape here; what the run queued on commit runs when it
    ends (the run task create_scrape queues is not: the test runs it)."""
    with capture(execute=False):
        created = services.create_scrape(handle, **kwargs)
    with capture(execute=True):
        result = services.run_scrape(created.pk)
    assert result is not None
    return result


def named(message: dict[str, Any]) -> set[str]:
    """The users a message names after its first colon."""
    return set(re.findall(r"@([A-Za-z0-9._]+)", message["message"].split(": ", 1)[1]))


def test_lost_followers_after_a_day_name_exactly_the_users_lost(
    sim: Sim, owner: LoginCredential, inbox: Inbox, django_capture_on_commit_callbacks: Capture
) -> None:
    channels.create("Phone", inbox.url("phone"))
    before = sim.truth("demo_small")
    first = scrape(django_capture_on_commit_callbacks, "demo_small", lists="followers")
    assert first.status == Scrape.Status.SUCCEEDED, first.error_message
    assert inbox.arrived == []  # the first scrape loses nobody
    sim.advance()
    after = sim.truth("demo_small")
    lost = {before[pk]["username"] for pk in set(before) - set(after)}
    assert lost, "the simulator churns demo_small every day"

    second = scrape(django_capture_on_commit_callbacks, "demo_small", lists="followers")

    assert second.status == Scrape.Status.SUCCEEDED, second.error_message
    [message] = inbox.to("phone")
    assert message["message"].startswith(f"@demo_small lost {len(lost)} follower")
    assert named(message) == lost
    assert (
        "http://127.0.0.1:8000/accounts/demo_small/?tab=followers&show=lost" in message["message"]
    )
    assert message["title"].startswith("igdash: @demo_small lost")
    event = Event.objects.get(kind=Kind.LOST_FOLLOWERS)
    assert event.account == second.target and not event.read
    assert Delivery.objects.get(event=event).status == Delivery.Status.SENT


def test_a_failed_scrape_sends_one_message_even_when_its_task_runs_twice(
    sim: Sim, owner: LoginCredential, inbox: Inbox, django_capture_on_commit_callbacks: Capture
) -> None:
    channels.create("Phone", inbox.url("phone"))

    failed = scrape(django_capture_on_commit_callbacks, "nobody_has_this_name")
    assert failed.status == Scrape.Status.FAILED
    # The same task again (a redelivered message), and the delivery again.
    with django_capture_on_commit_callbacks(execute=True):
        tasks.scrape_changed.apply(args=(failed.pk, "failed"))
    event = Event.objects.get(kind=Kind.SCRAPE_FAILED)
    tasks.deliver_event.apply(args=(event.pk,))

    [message] = inbox.to("phone")
    assert message["message"].startswith(f"@nobody_has_this_name: scrape #{failed.pk} failed: ")
    assert message["message"].endswith(f"http://127.0.0.1:8000/scrapes/{failed.pk}/")
    assert Event.objects.count() == 1


def test_a_broken_channel_is_reported_and_the_others_still_get_the_message(
    sim: Sim,
    owner: LoginCredential,
    inbox: Inbox,
    admin_client: Client,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    channels.create("Phone", inbox.url("phone"))
    channels.create("Broken hook", inbox.url("broken/sekret-token-123", auth="me:hunter2-pass"))
    channels.create("Laptop", inbox.url("laptop"))

    failed = scrape(django_capture_on_commit_callbacks, "nobody_has_this_name")

    assert failed.status == Scrape.Status.FAILED
    assert len(inbox.to("phone")) == len(inbox.to("laptop")) == 1
    broken = Channel.objects.get(name="Broken hook")
    delivery = Delivery.objects.get(channel=broken)
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == 6  # retried with backoff, then given up
    assert broken.last_ok is False and "500" in broken.last_result
    page = admin_client.get("/settings/").content.decode()
    row = page[page.index('data-channel="Broken hook"') :][:1500]
    assert 'data-last="failed"' in row and "error=500" in row
    assert page.count('data-last="ok"') == 2
    for secret in ("sekret-token-123", "hunter2-pass", f":{inbox.port}/"):
        assert secret not in page
