"""Real rows for the UI's tests: tracked accounts with a scrape history built
directly in the model layer (the engine's own tests cover how it is written)."""

from __future__ import annotations

import datetime as dt
import itertools

from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from accounts_app.models import IgUser, TrackedAccount
from scraping.models import Direction, Relationship, Scrape, ScrapeList, ScrapeStats

_pks = itertools.count(10_000_000)


def user(username: str, full_name: str = "", **fields: object) -> IgUser:
    return IgUser.objects.create(ig_pk=next(_pks), username=username, full_name=full_name, **fields)


def users(prefix: str, count: int) -> list[IgUser]:
    return IgUser.objects.bulk_create(
        [
            IgUser(ig_pk=next(_pks), username=f"{prefix}{i:05d}", full_name=f"{prefix.title()} {i}")
            for i in range(count)
        ]
    )


def scrape(
    target: TrackedAccount,
    *,
    status: str = Scrape.Status.SUCCEEDED,
    when: dt.datetime | None = None,
    **fields: object,
) -> Scrape:
    when = when or timezone.now()
    finished = status in Scrape.FINISHED_STATUSES
    made = Scrape.objects.create(
        target=target,
        status=status,
        created_at=when,
        started_at=when,
        finished_at=when + dt.timedelta(minutes=2) if finished else None,
        **fields,
    )
    ScrapeList.objects.bulk_create([ScrapeList(scrape=made, direction=d) for d in made.directions])
    return made


def tracked(
    username: str = "alice",
    *,
    followers: int = 10,
    following: int = 5,
    mutual: int = 3,
    days: int = 2,
    churn: int = 1,
    bookmarked: bool = False,
) -> TrackedAccount:
    """`days` daily successful scrapes ending today; each later day `churn`
    followers leave and `churn` new ones arrive. `mutual` of the first
    followers are also followed."""
    owner = user(username, username.title(), is_verified=True)
    target = TrackedAccount.objects.create(user=owner, bookmarked=bookmarked)
    start = timezone.now() - dt.timedelta(days=days - 1)
    people = users(f"{username}_f", followers + churn * days)
    followed = people[:mutual] + users(f"{username}_g", following - mutual)
    active = people[:followers]
    waiting = people[followers:]
    first = scrape(target, when=start)
    Relationship.objects.bulk_create(
        [
            Relationship(target=target, user=u, direction=Direction.FOLLOWER, first_seen=first)
            for u in active
        ]
        + [
            Relationship(target=target, user=u, direction=Direction.FOLLOWING, first_seen=first)
            for u in followed
        ]
    )
    _stats(first, target, len(active), len(followed), len(active), 0, mutual)
    last = first
    for day in range(1, days):
        run = scrape(target, when=start + dt.timedelta(days=day))
        leaving, active = active[-churn:], active[:-churn]
        arriving, waiting = waiting[:churn], waiting[churn:]
        Relationship.objects.filter(
            target=target, direction=Direction.FOLLOWER, user__in=leaving, ended_by__isnull=True
        ).update(ended_by=run, last_seen=last)
        Relationship.objects.bulk_create(
            [
                Relationship(target=target, user=u, direction=Direction.FOLLOWER, first_seen=run)
                for u in arriving
            ]
        )
        active = arriving + active
        _stats(run, target, len(active), len(followed), len(arriving), len(leaving), mutual)
        last = run
    TrackedAccount.objects.filter(pk=target.pk).update(
        follower_count=len(active),
        following_count=len(followed),
        last_scraped_at=last.finished_at,
        last_scrape=last,
    )
    target.refresh_from_db()
    return target


def _stats(
    run: Scrape,
    target: TrackedAccount,
    followers: int,
    following: int,
    new: int,
    lost: int,
    mutual: int,
) -> ScrapeStats:
    return ScrapeStats.objects.create(
        scrape=run,
        target=target,
        taken_at=run.finished_at or run.created_at,
        followers=followers,
        following=following,
        new_followers=new,
        lost_followers=lost,
        mutuals=mutual,
        not_following_back=following - mutual,
        not_followed_back=followers - mutual,
    )


def logged_in(client: Client) -> Client:
    """`client`, logged in as the owner (created here)."""
    User.objects.create_superuser("owner", "", "pw")
    client.login(username="owner", password="pw")
    return client
