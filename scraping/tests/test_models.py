"""Database-level guarantees of the history model."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction

from accounts_app.models import IgUser, TrackedAccount
from scraping.instagram.errors import EmptyEdgesFailure
from scraping.models import Direction, Relationship, Scrape, ScrapeList, ScrapeSeen
from scraping.services.delta import judge

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def target() -> TrackedAccount:
    return TrackedAccount.objects.create(user=IgUser.objects.create(ig_pk=1, username="target"))


@pytest.fixture
def follower() -> IgUser:
    return IgUser.objects.create(ig_pk=2, username="fan")


def _finished_scrape(target: TrackedAccount) -> Scrape:
    return Scrape.objects.create(target=target, status=Scrape.Status.SUCCEEDED)


def test_database_rejects_a_second_active_relationship(target, follower) -> None:
    scrape = _finished_scrape(target)
    Relationship.objects.create(
        target=target, user=follower, direction=Direction.FOLLOWER, first_seen=scrape
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Relationship.objects.create(
            target=target, user=follower, direction=Direction.FOLLOWER, first_seen=scrape
        )
    assert Relationship.objects.count() == 1


def test_ended_relationship_allows_the_user_to_follow_again(target, follower) -> None:
    first, second, third = (_finished_scrape(target) for _ in range(3))
    Relationship.objects.create(
        target=target,
        user=follower,
        direction=Direction.FOLLOWER,
        first_seen=first,
        ended_by=second,
    )
    Relationship.objects.create(
        target=target, user=follower, direction=Direction.FOLLOWER, first_seen=third
    )
    assert Relationship.objects.filter(ended_by__isnull=True).count() == 1
    assert Relationship.objects.count() == 2


def test_one_user_can_be_follower_and_following_at_once(target, follower) -> None:
    scrape = _finished_scrape(target)
    for direction in (Direction.FOLLOWER, Direction.FOLLOWING):
        Relationship.objects.create(
            target=target, user=follower, direction=direction, first_seen=scrape
        )
    assert Relationship.objects.filter(ended_by__isnull=True).count() == 2


def test_database_rejects_a_second_active_scrape_of_one_target(target) -> None:
    Scrape.objects.create(target=target, status=Scrape.Status.RUNNING)
    with pytest.raises(IntegrityError), transaction.atomic():
        Scrape.objects.create(target=target, status=Scrape.Status.QUEUED)
    _finished_scrape(target)  # finished runs are history, any number of them
    assert Scrape.objects.filter(target=target).count() == 2


def test_staging_keeps_each_user_once_per_scrape_and_direction(target, follower) -> None:
    scrape = Scrape.objects.create(target=target, status=Scrape.Status.RUNNING)
    ScrapeSeen.objects.create(scrape=scrape, direction=Direction.FOLLOWER, user=follower)
    with pytest.raises(IntegrityError), transaction.atomic():
        ScrapeSeen.objects.create(scrape=scrape, direction=Direction.FOLLOWER, user=follower)


def test_instagram_pk_is_unique_but_may_be_unknown() -> None:
    IgUser.objects.create(username="imported_a")
    IgUser.objects.create(username="imported_b")
    IgUser.objects.create(ig_pk=9_223_372_036_854_775_807, username="big")
    with pytest.raises(IntegrityError), transaction.atomic():
        IgUser.objects.create(ig_pk=9_223_372_036_854_775_807, username="other")


def test_a_scrape_that_recorded_history_cannot_be_deleted_alone(target, follower) -> None:
    from django.db.models import RestrictedError

    scrape = _finished_scrape(target)
    Relationship.objects.create(
        target=target, user=follower, direction=Direction.FOLLOWER, first_seen=scrape
    )
    with pytest.raises(RestrictedError):
        scrape.delete()
    assert Relationship.objects.count() == 1


def test_deleting_a_tracked_account_removes_its_scrapes_and_history(target, follower) -> None:
    first, second = _finished_scrape(target), _finished_scrape(target)
    Relationship.objects.create(
        target=target,
        user=follower,
        direction=Direction.FOLLOWER,
        first_seen=first,
        ended_by=second,
    )
    target.delete()
    assert Relationship.objects.count() == 0
    assert Scrape.objects.count() == 0
    assert IgUser.objects.filter(pk=follower.pk).exists()  # users are shared, they stay


# --- Incompleteness in plain words (#22.3) -----------------------------------------

REPEATED = "Instagram sent the same cursor twice"  # the engine's words (engine.py)


def _judged(**fields: object) -> ScrapeList:
    """A list as finalise leaves it: judged by the delta's own rules."""
    part = ScrapeList(direction=Direction.FOLLOWER, **fields)
    part.incomplete_reason = judge(part)
    part.complete = not part.incomplete_reason
    return part


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"fetched": 50, "expected": 5097, "capped": True, "exhausted": True},
            "Instagram showed only 50 of 5,097 followers, then stopped listing them",
        ),
        (
            {"fetched": 0, "expected": 303, "incomplete_reason": EmptyEdgesFailure.default_message},
            "Instagram answered an empty list of followers although the profile counts 303",
        ),
        (
            {"fetched": 75, "expected": 303, "incomplete_reason": REPEATED},
            "Instagram sent the same page twice after 75 of 303 followers",
        ),
        (
            {"fetched": 120, "expected": 303, "exhausted": False},
            "The list of followers stopped after 120 of 303, before its end",
        ),
        (
            {"fetched": 200, "expected": 303, "exhausted": True},
            "Instagram listed 200 followers but its profile counts 303",
        ),
    ],
)  # fmt: skip
def test_every_incompleteness_reason_reads_as_plain_words(
    fields: dict[str, object], expected: str
) -> None:
    part = _judged(**fields)
    assert part.complete is False

    said = part.plain_reason()

    assert said.startswith(expected)
    assert "marked nobody lost" in said
    for internal in ("should_limit", "cursor", "capped", "non-zero", "apart)"):
        assert internal not in said


def test_a_complete_list_needs_no_reason() -> None:
    part = _judged(fetched=303, expected=303, exhausted=True)

    assert part.complete and part.plain_reason() == ""


def test_the_engine_reasons_are_all_known_to_the_plain_words() -> None:
    # Every reason the engine stops a list with must have its own sentence.
    engine = Path(settings.BASE_DIR, "scraping/services/engine.py").read_text(encoding="utf-8")
    stops = re.findall(r'_stop_part\(run, part, "([^"]+)"', engine)
    assert stops, "the engine no longer stops a list with a literal reason"
    for reason in stops:
        part = ScrapeList(
            direction=Direction.FOLLOWER, fetched=5, expected=9, complete=False,
            incomplete_reason=reason,
        )  # fmt: skip
        assert not part.plain_reason().startswith("The list of followers stopped after"), reason


def test_every_status_badge_takes_its_colour_from_the_one_mapping(target: TrackedAccount) -> None:
    from django.template.loader import render_to_string

    expected = {
        "queued": "info",
        "running": "info",
        "waiting_rate_limit": "warn",
        "needs_attention": "warn",
        "succeeded": "ok",
        "partial": "warn",
        "failed": "error",
        "cancelled": "muted",
    }
    assert set(expected) == set(Scrape.Status.values)
    for status, tone in expected.items():
        scrape = Scrape.objects.create(target=target, status=status)
        html = render_to_string("scraping/partials/_status.html", {"scrape": scrape})
        assert f'class="badge badge-{tone}" data-status="{status}"' in html
        scrape.delete()
