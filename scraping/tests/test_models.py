"""Database-level guarantees of the history model."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from accounts_app.models import IgUser, TrackedAccount
from scraping.models import Direction, Relationship, Scrape, ScrapeSeen

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
