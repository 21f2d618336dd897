"""One scenario through the page store, printed as JSON, for comparing the
SQLite and PostgreSQL write paths (test_store_postgres.py runs it once per
database, each in its own process with its own settings):

    DATABASE_URL=postgresql://... python -m scraping.tests.page_store_scenario

It migrates the (empty) database, seeds known users and placeholders, writes
pages with overlaps, re-signed pictures, changed details, an overlong
username and users known only by username, and prints every row it touched."""

from __future__ import annotations

import datetime as dt
import json
import os
from typing import Any

OLD = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
LONG_NAME = "x" * 80


def _user(pk: int, username: str, full_name: str = "", pic: str = "", **flags: bool) -> Any:
    from scraping.instagram.types import UserRecord

    return UserRecord(
        pk, username, full_name, pic, flags.get("verified", False), flags.get("private", False)
    )


def _seed() -> None:
    from accounts_app.models import IgUser

    rows = [
        # (ig_pk, username, full_name, picture): known users
        (101, "same.details", "Same", "https://cdn/101?sig=old"),
        (102, "renamed.name", "Old Name", "https://cdn/102?sig=old"),
        (103, "no.picture", "No Pic", ""),
        (104, "gone.private", "Priv", "https://cdn/104?sig=old"),
        (105, "old.handle", "Handle", "https://cdn/105?sig=old"),
        (106, "merge.target", "Merge", "https://cdn/106?sig=old"),
        # users known only by username (an import): one learns its pk, one merges
        (None, "place.holder", "", ""),
        (None, "merge.me", "", ""),
    ]
    for pk, username, full_name, pic in rows:
        IgUser.objects.create(
            ig_pk=pk,
            username=username,
            full_name=full_name,
            profile_pic_url=pic,
            created_at=OLD,
            updated_at=OLD,
        )


def run() -> dict[str, Any]:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.db import connection

    from accounts_app.models import IgUser
    from scraping.instagram.types import Page
    from scraping.services.store import store_pages
    from scraping.tests.scenario_setup import running_scrape, staged

    _seed()
    scrape, part = running_scrape(
        "scenario.target", 999, followers=11, worker="scenario-worker",
        full_name="Target", picture="https://cdn/999",
    )  # fmt: skip
    first = Page(
        [
            _user(201, "new.first", "New First", "https://cdn/201?sig=a"),
            _user(101, "same.details", "Same", "https://cdn/101?sig=new"),  # picture only
            _user(102, "renamed.name", "New Name", "https://cdn/102?sig=new"),  # + name
            _user(103, "no.picture", "No Pic", "https://cdn/103?sig=new"),  # had none
        ],
        "cursor-1",
    )
    second = Page(
        [
            _user(102, "renamed.name", "New Name", "https://cdn/102?sig=newer"),  # overlap
            _user(104, "gone.private", "Priv", "https://cdn/104?sig=new", private=True),
            _user(105, "new.handle", "Handle", "https://cdn/105?sig=new"),  # renamed
            _user(202, LONG_NAME, "Long " * 70, "https://cdn/202", verified=True),
            _user(203, "place.holder", "Placeholder Now", "https://cdn/203"),
        ],
        "cursor-2",
    )
    added = [store_pages(scrape, "scenario-worker", part, [first, second])]
    third = Page(
        [
            _user(106, "merge.me", "Merged", "https://cdn/106?sig=new"),  # placeholder twin
            _user(201, "new.first", "New First", "https://cdn/201?sig=b"),  # seen already
            _user(204, "new.last", "New Last", "https://cdn/204"),
        ],
        None,
    )
    added.append(store_pages(scrape, "scenario-worker", part, [third]))
    users = [
        {
            "ig_pk": u.ig_pk,
            "username": u.username,
            "full_name": u.full_name,
            "picture": u.profile_pic_url,
            "verified": u.is_verified,
            "private": u.is_private,
            "updated": u.updated_at > OLD,
        }
        for u in IgUser.objects.order_by("id")
    ]
    part.refresh_from_db()
    return {
        "vendor": connection.vendor,
        "added": added,
        "users": users,
        "seen": staged(scrape, "user__username"),
        "part": [part.fetched, part.pages, part.cursor, part.exhausted, part.capped],
    }


if __name__ == "__main__":
    assert os.environ.get("DJANGO_SETTINGS_MODULE"), "run with DJANGO_SETTINGS_MODULE set"
    print(json.dumps(run()))
