"""Imported users (known by username only) meet the engine: a later scrape gives
them their pks and merges them cleanly, renamed users included; the import
refuses to run beside an active scrape and never talks to Instagram."""

from __future__ import annotations

import pytest
from django.db.models import Count

from accounts_app.models import IgUser, LoginCredential
from scraping import services
from scraping.imports import import_export
from scraping.instagram.types import UserRecord
from scraping.models import Direction, Relationship, Scrape
from scraping.tests.engine_fakes import FakeInstagram, make_users
from scraping.tests.import_builders import list_json, source

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_limits")]


def run(world: FakeInstagram) -> Scrape:
    result = services.run_scrape(
        services.create_scrape("target", lists="followers").pk, connect=world.connect
    )
    assert result is not None
    assert result.status == Scrape.Status.SUCCEEDED, result.error_message
    return result


def import_names(names: list[str]) -> Scrape:
    return import_export("target", [source("followers_1.json", list_json(names))])


def renamed(user: UserRecord, username: str) -> UserRecord:
    return user._replace(username=username)


def assert_one_row_per_username() -> None:
    twins = IgUser.objects.values("username").annotate(n=Count("id")).filter(n__gt=1)
    assert not twins.exists(), list(twins)


def edges(user: IgUser) -> list[tuple[int, int | None]]:
    rows = Relationship.objects.filter(
        target__user__username="target", user=user, direction=Direction.FOLLOWER
    ).order_by("id")
    return list(rows.values_list("first_seen_id", "ended_by_id"))


def test_scrape_after_an_import_gives_every_imported_user_its_pk(
    web_login: LoginCredential,
) -> None:
    users = make_users(30)
    world = FakeInstagram()
    world.add("target", 1, users)
    imported = import_names([u.username for u in users])
    assert not world.requests  # the import never talked to Instagram

    scrape = run(world)

    assert (scrape.stats.new_followers, scrape.stats.lost_followers) == (0, 0)
    assert_one_row_per_username()
    stored = {u.ig_pk: u.username for u in IgUser.objects.exclude(username="target")}
    assert stored == {u.pk: u.username for u in users}
    # The edges started at the import and go on: the history is one interval each.
    assert set(
        Relationship.objects.filter(ended_by__isnull=True).values_list("first_seen_id", flat=True)
    ) == {imported.pk}


def test_import_after_a_scrape_matches_the_scraped_users_by_username(
    web_login: LoginCredential,
) -> None:
    users = make_users(30)
    world = FakeInstagram()
    world.add("target", 1, users)
    first = run(world)
    kept = [u.username for u in users[5:]]

    imported = import_names([*kept, "USER9999"])

    assert (imported.stats.new_followers, imported.stats.lost_followers) == (1, 5)
    assert IgUser.objects.filter(ig_pk__isnull=True).get().username == "user9999"
    assert_one_row_per_username()
    still = Relationship.objects.filter(ended_by__isnull=True, user__username__in=kept)
    assert set(still.values_list("first_seen_id", flat=True)) == {first.pk}


def test_user_renamed_after_the_export_shows_as_lost_and_new(
    web_login: LoginCredential,
) -> None:
    """What cannot be known: the export has no pk, so nothing links the old name
    to the account a later scrape sees under its new name."""
    users = make_users(10)
    import_names([u.username for u in users])
    world = FakeInstagram()
    world.add("target", 1, [*users[:3], renamed(users[3], "brand_new"), *users[4:]])

    scrape = run(world)

    assert (scrape.stats.new_followers, scrape.stats.lost_followers) == (1, 1)
    old = IgUser.objects.get(username=users[3].username)
    assert old.ig_pk is None  # the name-only row stays, its edge ended by the scrape
    assert edges(old)[0][1] == scrape.pk
    assert IgUser.objects.get(ig_pk=users[3].pk).username == "brand_new"
    assert_one_row_per_username()


def test_user_renamed_before_the_export_merges_into_its_pk_row_at_the_next_scrape(
    web_login: LoginCredential,
) -> None:
    users = make_users(10)
    world = FakeInstagram()
    world.add("target", 1, users)
    first = run(world)
    now_named = [*users[:3], renamed(users[3], "brand_new"), *users[4:]]

    imported = import_names([u.username for u in now_named])
    # The export says "brand_new" and our row still says user1003: lost and new.
    assert (imported.stats.new_followers, imported.stats.lost_followers) == (1, 1)

    world.set_lists("target", now_named)
    scrape = run(world)

    assert (scrape.stats.new_followers, scrape.stats.lost_followers) == (0, 0)
    merged = IgUser.objects.get(username="brand_new")
    assert merged.ig_pk == users[3].pk
    assert not IgUser.objects.filter(ig_pk__isnull=True).exists()
    assert_one_row_per_username()
    # One closed interval (ended by the import), one open since the import.
    assert edges(merged) == [(first.pk, imported.pk), (imported.pk, None)]


def test_name_only_row_merges_into_a_pk_row_known_from_another_account(
    web_login: LoginCredential,
) -> None:
    """The pk row exists under an old name (scraped as another account's
    follower); the import knows the new name only; the scrape merges the two."""
    zed = UserRecord(
        pk=4242,
        username="old_zed",
        full_name="Zed",
        profile_pic_url="https://cdn.example/4242.jpg",
        is_verified=False,
        is_private=False,
    )
    world = FakeInstagram()
    world.add("other", 2, [zed])
    services.run_scrape(services.create_scrape("other").pk, connect=world.connect)
    imported = import_names(["zed"])
    world.add("target", 1, [renamed(zed, "zed")])

    scrape = run(world)

    assert (scrape.stats.new_followers, scrape.stats.lost_followers) == (0, 0)
    row = IgUser.objects.get(ig_pk=4242)
    assert row.username == "zed"
    assert not IgUser.objects.filter(ig_pk__isnull=True).exists()
    assert edges(row) == [(imported.pk, None)]
    assert Relationship.objects.filter(target__user__username="other", user=row).exists()


def test_import_is_refused_while_the_target_has_an_active_scrape(
    web_login: LoginCredential,
) -> None:
    queued = services.create_scrape("target")
    rows = (IgUser.objects.count(), Scrape.objects.count(), Relationship.objects.count())

    with pytest.raises(services.AlreadyActive, match=f"already has scrape #{queued.pk}"):
        import_names(["someone"])

    assert (IgUser.objects.count(), Scrape.objects.count(), Relationship.objects.count()) == rows
    services.cancel_scrape(queued.pk)
    assert import_names(["someone"]).status == Scrape.Status.SUCCEEDED


def test_bad_handle_is_refused() -> None:
    with pytest.raises(services.ScrapeError, match="not a valid Instagram username"):
        import_export("not a handle!", [source("followers_1.json", b"[]")])
