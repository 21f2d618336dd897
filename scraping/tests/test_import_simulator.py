"""An import and real scrapes of the simulator's demo_small, in both orders: no
user is stored twice and every delta is the true one (the simulator's truth
against the export the test built from it, with churn)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Count

from accounts_app.models import IgUser, LoginCredential
from scraping import services
from scraping.imports import import_export
from scraping.models import Direction, Relationship, Scrape
from scraping.tests.import_builders import export_zip, source
from scraping.tests.sim_control import Sim

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_limits")]

TARGET = "demo_small"
LISTS = {"followers": Direction.FOLLOWER, "following": Direction.FOLLOWING}


def truth_names(sim: Sim) -> dict[str, set[str]]:
    return {name: {u["username"] for u in sim.truth(TARGET, name).values()} for name in LISTS}


def with_churn(names: dict[str, set[str]]) -> dict[str, set[str]]:
    """The export differs from the simulator: 10 accounts missing, 4 it never had."""
    return {
        name: (users - set(sorted(users)[:10])) | {f"exported.{name}.{n}" for n in range(4)}
        for name, users in names.items()
    }


def import_lists(lists: dict[str, set[str]]) -> Scrape:
    data = export_zip([sorted(lists["followers"])], sorted(lists["following"]))
    return import_export(TARGET, [source(f"instagram-{TARGET}.zip", data)])


def scrape() -> Scrape:
    result = services.run_scrape(services.create_scrape(TARGET).pk)
    assert result is not None
    assert result.status == Scrape.Status.SUCCEEDED, result.error_message
    return result


def delta(of: Scrape, direction: int) -> tuple[set[str], set[str]]:
    rows = Relationship.objects.filter(target__user__username=TARGET, direction=direction)
    new = set(rows.filter(first_seen=of).values_list("user__username", flat=True))
    lost = set(rows.filter(ended_by=of).values_list("user__username", flat=True))
    return new, lost


def assert_one_row_per_username() -> None:
    twins = IgUser.objects.values("username").annotate(n=Count("id")).filter(n__gt=1)
    assert not twins.exists(), list(twins)


def assert_truth_stored_once(sim: Sim) -> None:
    for name in LISTS:
        truth: dict[int, dict[str, Any]] = sim.truth(TARGET, name)
        stored = dict(IgUser.objects.filter(ig_pk__in=truth).values_list("ig_pk", "username"))
        assert stored == {pk: user["username"] for pk, user in truth.items()}


def test_import_then_scrape_records_the_true_delta(sim: Sim, owner: LoginCredential) -> None:
    exported = with_churn(truth_names(sim))

    imported = import_lists(exported)

    assert not sim.log, "the import sent requests to Instagram"
    assert imported.stats.followers == len(exported["followers"])
    sim.advance()  # the simulator churns demo_small daily (and renames a few)
    today = truth_names(sim)

    second = scrape()

    for name, direction in LISTS.items():
        new, lost = delta(second, direction)
        assert new == today[name] - exported[name]
        assert lost == exported[name] - today[name]
        assert new and lost
    assert_one_row_per_username()
    assert_truth_stored_once(sim)
    # Only names the simulator no longer lists stay without a pk.
    name_only = set(IgUser.objects.filter(ig_pk__isnull=True).values_list("username", flat=True))
    assert name_only == (exported["followers"] | exported["following"]) - (
        today["followers"] | today["following"]
    )


def test_scrape_then_import_matches_the_scraped_users(sim: Sim, owner: LoginCredential) -> None:
    first = scrape()
    users_before = IgUser.objects.count()
    exported = with_churn(truth_names(sim))

    imported = import_lists(exported)

    truth = truth_names(sim)
    for name, direction in LISTS.items():
        new, lost = delta(imported, direction)
        assert new == exported[name] - truth[name]  # the 4 invented names
        assert lost == truth[name] - exported[name]  # the 10 left out
    assert IgUser.objects.count() == users_before + 8
    assert_one_row_per_username()
    kept = Relationship.objects.filter(
        target__user__username=TARGET, ended_by__isnull=True, user__ig_pk__isnull=False
    )
    assert set(kept.values_list("first_seen_id", flat=True)) == {first.pk}

    again = scrape()  # same simulated day: the scrape undoes the export's churn

    for name, direction in LISTS.items():
        new, lost = delta(again, direction)
        assert new == truth[name] - exported[name]
        assert lost == exported[name] - truth[name]
    assert_one_row_per_username()
    assert_truth_stored_once(sim)
