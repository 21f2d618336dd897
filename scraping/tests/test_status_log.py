"""Every change of a scrape's status is logged once, at INFO, with the scrape,
its target, the old and new status and the reason (issue 15, point 12): a
failed nightly refresh can be explained from the worker log alone."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from accounts_app.models import LoginCredential, TrackedAccount
from scraping import services
from scraping.instagram.errors import RateLimited, TransportError
from scraping.models import Scrape
from scraping.tests.engine_fakes import FakeInstagram, make_users

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_limits")]
FIELDS = ("scrape_id", "target", "old_status", "new_status", "reason")


def changes(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str, str]]:
    """(old, new, reason) of each logged change, after checking every field is there."""
    records = [r for r in caplog.records if r.name == "scraping.status"]
    for record in records:
        assert record.levelname == "INFO"
        assert all(getattr(record, name, None) is not None for name in FIELDS), record.__dict__
        message = record.getMessage()
        assert f"scrape #{record.scrape_id} @{record.target}" in message  # type: ignore[attr-defined]
        assert f"{record.old_status or 'new'} -> {record.new_status}" in message  # type: ignore[attr-defined]
    return [(r.old_status, r.new_status, r.reason) for r in records]  # type: ignore[attr-defined]


def test_each_change_of_a_scrape_is_one_line_with_its_reason(
    web_login: LoginCredential, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="scraping.status")
    world = FakeInstagram(page_size=10)
    world.add("target", 1, make_users(30))
    world.errors[2] = RateLimited(retry_after=120)
    world.errors[3] = TransportError("Instagram answered HTTP 502")

    scrape = services.create_scrape("@target", lists="followers")
    services.run_scrape(scrape.pk, connect=world.connect)  # parks on the 429
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=121), tick=True):
        assert services.resume_stale_scrapes() == [scrape.pk]
        services.run_scrape(scrape.pk, connect=world.connect)  # queued again by the 502
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=200), tick=True):
        services.run_scrape(scrape.pk, connect=world.connect)

    logged = changes(caplog)
    assert [(old, new) for old, new, _ in logged] == [
        ("", "queued"),
        ("queued", "running"),
        ("running", "waiting_rate_limit"),
        ("waiting_rate_limit", "queued"),
        ("queued", "running"),
        ("running", "queued"),
        ("queued", "running"),
        ("running", "succeeded"),
    ]
    reasons = [reason for _, _, reason in logged]
    assert reasons[0] == "created"
    assert "Instagram asked @owner_ig to wait; resuming at" in reasons[2]
    assert reasons[3] == "the rate-limit pause is over"
    assert reasons[5] == "Instagram answered HTTP 502 Retrying in 30 s."
    assert reasons[7] == "followers +30 -0, following +0 -0"
    assert Scrape.objects.get(pk=scrape.pk).status == Scrape.Status.SUCCEEDED


def test_a_failed_nightly_refresh_is_explained_by_its_lines(
    web_login: LoginCredential, caplog: pytest.LogCaptureFixture, settings: SettingsWrapper
) -> None:
    settings.SCRAPE_MAX_RETRIES = 0
    world = FakeInstagram()
    world.add("target", 1, make_users(30))
    services.create_scrape("target")
    Scrape.objects.update(status=Scrape.Status.SUCCEEDED)
    TrackedAccount.objects.update(bookmarked=True)
    world.errors[1] = TransportError("Instagram answered HTTP 502")
    caplog.set_level("INFO", logger="scraping.status")

    (nightly,) = services.refresh_bookmarked()
    services.run_scrape(nightly.pk, connect=world.connect)

    lines = [r.getMessage() for r in caplog.records if r.name == "scraping.status"]
    assert lines == [
        f"scrape #{nightly.pk} @target (nightly refresh): new -> queued: created",
        f"scrape #{nightly.pk} @target (nightly refresh): queued -> running: run by "
        + lines[1].split("run by ")[1],
        f"scrape #{nightly.pk} @target (nightly refresh): running -> failed: "
        "Gave up after 0 retries: Instagram answered HTTP 502",
    ]


def test_owner_actions_and_a_lost_worker_are_logged_too(
    web_login: LoginCredential, caplog: pytest.LogCaptureFixture, settings: SettingsWrapper
) -> None:
    caplog.set_level("INFO", logger="scraping.status")
    scrape = services.create_scrape("target")
    # A worker took it and died: its heartbeat goes stale.
    stale = timezone.now() - dt.timedelta(seconds=settings.SCRAPE_STALE_SECONDS + 1)
    Scrape.objects.filter(pk=scrape.pk).update(
        status=Scrape.Status.RUNNING, claimed_by="dead", heartbeat_at=stale
    )
    services.resume_stale_scrapes()
    services.cancel_scrape(scrape.pk)
    with pytest.raises(services.ScrapeError):
        services.cancel_scrape(scrape.pk)  # nothing changes, nothing is logged

    assert [(old, new, reason) for old, new, reason in changes(caplog)][1:] == [
        ("running", "queued", "its worker stopped (no heartbeat); resuming from the checkpoint"),
        ("queued", "cancelled", "cancelled by the owner"),
    ]
