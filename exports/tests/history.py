"""Test data: targets, users with awkward names, and scrape histories written
by the interval rules of docs/data-model.md."""

from __future__ import annotations

import datetime as dt
import json
import zlib
from collections.abc import Iterable, Mapping

from django.utils import timezone

from accounts_app import vault
from accounts_app.models import IgUser, LoginCredential, TrackedAccount
from scraping.models import Direction, Relationship, Scrape, ScrapeList

# Unicode, emoji, right-to-left, CSV metacharacters and formula-like text.
AWKWARD_NAMES = [
    "=1+1",
    "+cmd",
    "-x",
    "@sum",
    "\tx",
    "\rcarriage",
    "שלום עולם",
    "مرحبا بالعالم",
    "emoji 😀🎉👩‍👩‍👧",
    'comma, "quoted"',
    "two\nlines",
    "Zoë Ünïcödé",
    "",
]
FORMULA_LIKE = ("=", "+", "-", "@", "\t", "\r")

PLAIN_PASSWORD = "hunter2-Plain-Password-9f3a"
PLAIN_SESSIONID = "51234567%3AplainSessionCookie%3A28%3AAYf0"
PLAIN_BROWSER_SESSION = "plainbrowsersessionkey0123456789ab"
UNLOCKED_KEY_MARKER = b"sealed-unlocked-master-key-marker"


def make_target(username: str = "target") -> TrackedAccount:
    user = IgUser.objects.create(username=username, ig_pk=zlib.crc32(username.encode()))
    return TrackedAccount.objects.create(user=user)


def make_users(names: Iterable[str], prefix: str = "user") -> list[IgUser]:
    users = []
    for index, full_name in enumerate(names):
        username = f"{prefix}{index:02d}"
        users.append(
            IgUser.objects.create(
                username=username,
                full_name=full_name,
                # Unknown for one user, as after an import of Instagram's data export.
                ig_pk=None if index == 3 else 10**9 + zlib.crc32(username.encode()),
                is_verified=index % 2 == 0,
                is_private=index % 3 == 0,
            )
        )
    return users


def finished_scrape(
    target: TrackedAccount,
    directions: Iterable[int] = (Direction.FOLLOWER, Direction.FOLLOWING),
    finished_at: dt.datetime | None = None,
) -> Scrape:
    scrape = Scrape.objects.create(
        target=target,
        status=Scrape.Status.SUCCEEDED,
        finished_at=finished_at or timezone.now(),
    )
    for direction in directions:
        ScrapeList.objects.create(scrape=scrape, direction=direction, complete=True)
    return scrape


def apply_scrape(
    target: TrackedAccount, seen: Mapping[int, Iterable[IgUser]], finished_at: dt.datetime
) -> Scrape:
    """Record a complete scrape that saw exactly `seen` per direction: new
    edges open at it, edges it did not see end at it (the interval rules)."""
    scrape = finished_scrape(target, seen.keys(), finished_at)
    for direction, users in seen.items():
        seen_ids = {user.pk for user in users}
        active = Relationship.objects.filter(
            target=target, direction=direction, ended_by__isnull=True
        )
        active_ids = set(active.values_list("user_id", flat=True))
        for relationship in active.exclude(user_id__in=seen_ids):
            relationship.ended_by = scrape
            relationship.last_seen_id = (
                Scrape.objects.filter(target=target, pk__lt=scrape.pk).order_by("-pk").first().pk
            )
            relationship.save()
        Relationship.objects.bulk_create(
            Relationship(target=target, user_id=user_id, direction=direction, first_seen=scrape)
            for user_id in seen_ids - active_ids
        )
    return scrape


def churn_history(target: TrackedAccount) -> tuple[list[Scrape], dict[int, dict[int, set[str]]]]:
    """Three scrapes with follows, unfollows and a refollow. Returns the scrapes
    and, per scrape id and direction, the usernames it saw."""
    users = {user.username: user for user in make_users(AWKWARD_NAMES)}
    names = sorted(users)
    plan = [
        # followers, following
        (names[0:8], names[5:10]),
        (names[2:10], names[0:3] + names[6:9]),  # 00, 01 unfollow; 08, 09 follow
        (names[0:1] + names[3:12], names[0:3] + names[9:12]),  # 00 comes back
    ]
    start = timezone.now() - dt.timedelta(days=3)
    scrapes, saw = [], {}
    for day, (followers, following) in enumerate(plan):
        scrape = apply_scrape(
            target,
            {
                Direction.FOLLOWER: [users[name] for name in followers],
                Direction.FOLLOWING: [users[name] for name in following],
            },
            start + dt.timedelta(days=day, minutes=7, seconds=13, microseconds=250_000),
        )
        scrapes.append(scrape)
        saw[scrape.pk] = {Direction.FOLLOWER: set(followers), Direction.FOLLOWING: set(following)}
    return scrapes, saw


def seed_for_backup() -> None:
    """Run in a subprocess against a real SQLite file: a history, a login with
    sealed secrets, a browser session and an unlocked-vault row; prints the
    sealed blobs as hex."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    from core.models import AppSettings, VaultUnlock

    target = make_target()
    churn_history(target)
    login = LoginCredential.objects.create(username="owner.login", status="ok")
    blobs = {
        "password_enc": vault.seal(f"logincredential:{login.pk}:password", PLAIN_PASSWORD.encode()),
        "session_enc": vault.seal(
            f"logincredential:{login.pk}:session",
            json.dumps({"cookies": {"sessionid": PLAIN_SESSIONID}}).encode(),
        ),
        "sessionid_enc": vault.seal(
            f"logincredential:{login.pk}:sessionid", PLAIN_SESSIONID.encode()
        ),
    }
    LoginCredential.objects.filter(pk=login.pk).update(**blobs)
    Session.objects.create(
        session_key=PLAIN_BROWSER_SESSION,
        session_data=SessionStore().encode({"_auth_user_id": "1"}),
        expire_date=timezone.now() + dt.timedelta(days=30),
    )
    VaultUnlock.objects.create(pk=VaultUnlock.SINGLETON_PK, sealed_key=UNLOCKED_KEY_MARKER)
    app_settings = AppSettings.load()
    app_settings.backup_retention_days = 3
    app_settings.save()
    print(json.dumps({key: blob.hex() for key, blob in blobs.items()}))
