"""Two scrapes meet on a user at once, on PostgreSQL: another scrape's
transaction inserts user 301 and commits while this scrape's page merge waits
on that row. The merge leaves 301 as it is (same details), so 301 is not among
the users the merge hands back, and the page store must still stage it.
test_store_postgres.py runs it:

    DATABASE_URL=postgresql://... python -m scraping.tests.store_race_scenario

Prints, as JSON, which users the scrape staged and how many it counted as new."""

from __future__ import annotations

import json
import threading
import time
from typing import Any


def run() -> dict[str, Any]:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    import psycopg
    from django.conf import settings
    from django.db import connection, connections

    from accounts_app.models import IgUser
    from scraping.instagram.types import Page, Profile, UserRecord
    from scraping.models import ScrapeList, ScrapeSeen
    from scraping.services import create_scrape
    from scraping.services.scrapes import claim
    from scraping.services.store import attach_profile, store_pages

    created = create_scrape("race.target", lists="followers", trigger="command", source="private")
    scrape = claim(created.pk, "w")
    assert scrape is not None
    profile = Profile(
        pk=999, username="race.target", full_name="", profile_pic_url="", is_verified=False,
        is_private=False, follower_count=2, following_count=0,
    )  # fmt: skip
    attach_profile(scrape, "w", profile)
    part = ScrapeList.objects.get(scrape=scrape)
    page = Page(
        [
            UserRecord(301, "shared.follower", "Shared", "https://cdn/301", False, False),
            UserRecord(302, "own.follower", "Own", "https://cdn/302", False, False),
        ],
        None,
    )
    db = settings.DATABASES["default"]
    where = {"host": db["HOST"], "port": db["PORT"] or 5432, "dbname": db["NAME"]}
    other = psycopg.connect(**where, user=db["USER"] or None)
    # Activity is read on its own connection: a transaction sees one snapshot of it.
    watcher = psycopg.connect(**where, user=db["USER"] or None, autocommit=True)
    other.execute(
        f"INSERT INTO {IgUser._meta.db_table} (ig_pk, username, full_name, profile_pic_url, "  # noqa: S608
        "is_verified, is_private, created_at, updated_at) "
        "VALUES (301, 'shared.follower', 'Shared', 'https://cdn/301', false, false, now(), now())"
    )  # not committed yet: the page's merge will wait on this row
    added: list[int] = []

    def write() -> None:
        try:
            added.append(store_pages(scrape, "w", part, [page]))
        finally:
            connections.close_all()

    writer = threading.Thread(target=write)
    writer.start()
    waited = False
    for _ in range(200):  # until the merge waits on the other transaction's row
        row = watcher.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        ).fetchone()
        if row is not None and row[0] > 0:
            waited = True
            break
        time.sleep(0.05)
    other.commit()
    other.close()
    watcher.close()
    writer.join(timeout=60)
    return {
        "vendor": connection.vendor,
        "merge_waited": waited,
        "added": added,
        "staged": sorted(
            ScrapeSeen.objects.filter(scrape=scrape).values_list("user__ig_pk", flat=True)
        ),
    }


if __name__ == "__main__":
    print(json.dumps(run()))
