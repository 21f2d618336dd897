"""Finalise and claim rules, on the database directly."""

from __future__ import annotations

import pytest
from django.db import connection

from accounts_app.models import IgUser, TrackedAccount
from scraping.models import Direction, Relationship, Scrape, ScrapeList, ScrapeSeen
from scraping.services import scrapes
from scraping.services.delta import _INSERT_NEW, finalise, judge, tolerance

pytestmark = pytest.mark.django_db


def running_scrape(target: TrackedAccount, seen: list[IgUser], **part: object) -> Scrape:
    scrape = Scrape.objects.create(
        target=target, lists="followers", status="running", claimed_by="w"
    )
    defaults = {"expected": len(seen), "fetched": len(seen), "exhausted": True}
    ScrapeList.objects.create(scrape=scrape, direction=Direction.FOLLOWER, **{**defaults, **part})
    ScrapeSeen.objects.bulk_create(
        ScrapeSeen(scrape=scrape, direction=Direction.FOLLOWER, user=user) for user in seen
    )
    return scrape


@pytest.fixture
def target() -> TrackedAccount:
    return TrackedAccount.objects.create(user=IgUser.objects.create(ig_pk=1, username="t"))


@pytest.fixture
def users() -> list[IgUser]:
    return [IgUser.objects.create(ig_pk=100 + i, username=f"u{i}") for i in range(6)]


def test_user_who_leaves_and_comes_back_gets_a_second_interval(
    target: TrackedAccount, users: list[IgUser]
) -> None:
    first = finalise(running_scrape(target, users), "w")
    second = finalise(running_scrape(target, users[1:]), "w")
    third = finalise(running_scrape(target, users), "w")

    rows = Relationship.objects.filter(user=users[0]).order_by("id")
    assert [(r.first_seen_id, r.last_seen_id, r.ended_by_id) for r in rows] == [
        (first.pk, first.pk, second.pk),
        (third.pk, None, None),
    ]
    assert third.stats.new_followers == 1


def test_inserting_an_edge_that_is_already_active_is_a_no_op(
    target: TrackedAccount, users: list[IgUser]
) -> None:
    finalise(running_scrape(target, users), "w")
    again = running_scrape(target, users[:1])

    with connection.cursor() as cursor:  # what a racing finalise would do: no IntegrityError
        cursor.execute(_INSERT_NEW, [target.pk, again.pk, again.pk, Direction.FOLLOWER, target.pk])
        assert cursor.rowcount == 0

    assert Relationship.objects.filter(user=users[0], ended_by__isnull=True).count() == 1


def test_partial_list_records_new_edges_and_ends_nothing(
    target: TrackedAccount, users: list[IgUser]
) -> None:
    finalise(running_scrape(target, users[:4]), "w")

    partial = finalise(running_scrape(target, users[3:], exhausted=False, expected=6), "w")

    assert partial.status == "partial"
    assert "did not reach its end" in partial.error_message
    assert not Relationship.objects.filter(ended_by__isnull=False).exists()
    assert Relationship.objects.filter(ended_by__isnull=True).count() == 6
    assert partial.stats.followers is None
    assert not ScrapeSeen.objects.exists()


def test_last_seen_of_a_lost_edge_is_the_previous_complete_scrape(
    target: TrackedAccount, users: list[IgUser]
) -> None:
    first = finalise(running_scrape(target, users), "w")
    finalise(running_scrape(target, users, exhausted=False), "w")  # partial: proves nothing
    second = finalise(running_scrape(target, users), "w")
    third = finalise(running_scrape(target, users[1:]), "w")

    lost = Relationship.objects.get(user=users[0])
    assert (lost.first_seen_id, lost.last_seen_id, lost.ended_by_id) == (
        first.pk,
        second.pk,
        third.pk,
    )


@pytest.mark.parametrize(("expected", "allowed"), [(0, 2), (100, 2), (1000, 5), (20_000, 100)])
def test_tolerance_is_half_a_percent_and_at_least_two(expected: int, allowed: int) -> None:
    assert tolerance(expected) == allowed


def test_judge_names_the_reason() -> None:
    assert judge(ScrapeList(exhausted=True, expected=10, fetched=10)) == ""
    assert "capped" in judge(ScrapeList(exhausted=True, capped=True, fetched=50))
    assert judge(ScrapeList(exhausted=True, expected=100, fetched=50)) == (
        "fetched 50 of 100 users (more than 2 apart)"
    )


def test_only_one_worker_claims_a_scrape(target: TrackedAccount) -> None:
    scrape = Scrape.objects.create(target=target)

    assert scrapes.claim(scrape.pk, "worker-a") is not None
    assert scrapes.claim(scrape.pk, "worker-b") is None
    assert Scrape.objects.get(pk=scrape.pk).claimed_by == "worker-a"


def test_finished_or_missing_scrapes_are_not_claimed(target: TrackedAccount) -> None:
    done = Scrape.objects.create(target=target, status="succeeded")

    assert scrapes.claim(done.pk, "w") is None
    assert scrapes.claim(99999, "w") is None


def test_staging_rows_follow_their_user_and_scrape_without_database_keys(
    target: TrackedAccount, users: list[IgUser]
) -> None:
    """The staging table has no foreign keys in the database (a page's commit
    would check two a user); deleting through the ORM still takes its rows."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, ScrapeSeen._meta.db_table)
    assert not [name for name, c in constraints.items() if c["foreign_key"]]
    scrape = running_scrape(target, users)
    users[0].delete()
    assert ScrapeSeen.objects.filter(scrape=scrape).count() == len(users) - 1
    scrape.delete()
    assert not ScrapeSeen.objects.exists()


def test_housekeeping_prunes_staging_rows_of_scrapes_no_longer_active(
    target: TrackedAccount, users: list[IgUser]
) -> None:
    running = running_scrape(target, users[:2])
    other = TrackedAccount.objects.create(user=IgUser.objects.create(ig_pk=2, username="o"))
    finished = running_scrape(other, users[2:4])
    Scrape.objects.filter(pk=finished.pk).update(status="failed")
    gone_id = finished.pk + 1000  # rows left by a scrape deleted while a page committed
    ScrapeSeen.objects.bulk_create(
        ScrapeSeen(scrape_id=gone_id, direction=Direction.FOLLOWER, user=user) for user in users[4:]
    )

    assert scrapes.prune_staging() == 4

    assert set(ScrapeSeen.objects.values_list("scrape_id", flat=True)) == {running.pk}
    assert scrapes.prune_staging() == 0
