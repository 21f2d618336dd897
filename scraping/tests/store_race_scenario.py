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
    from django.db import connection, transaction

    from accounts_app.models import IgUser
    from scraping.instagram.types import Page, UserRecord
    from scraping.services.store import store_pages
    from scraping.tests.scenario_setup import running_scrape, staged

    scrape, part = running_scrape("race.target", 999, followers=2)
    shared = UserRecord(301, "shared.follower", "Shared", "https://cdn/301", False, False)
    own = UserRecord(302, "own.follower", "Own", "https://cdn/302", False, False)
    page = Page([shared, own], None)
    # Each thread has its own database connection (Django's are per thread).
    inserted, release = threading.Event(), threading.Event()
    added: list[int] = []

    def other_scrape() -> None:
        try:
            with transaction.atomic():
                IgUser.objects.create(
                    ig_pk=shared.pk, username=shared.username, full_name=shared.full_name,
                    profile_pic_url=shared.profile_pic_url,
                )  # fmt: skip
                inserted.set()
                release.wait(30)  # not committed yet: the page's merge waits on this row
        finally:
            connection.close()

    def write() -> None:
        try:
            added.append(store_pages(scrape, "w", part, [page]))
        finally:
            connection.close()

    threads = [threading.Thread(target=other_scrape), threading.Thread(target=write)]
    threads[0].start()
    inserted.wait(30)
    threads[1].start()
    waited = False
    for _ in range(200):  # until the merge waits on the other transaction's row
        # This thread's connection is in autocommit: each read sees the activity anew.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            )
            waited = cursor.fetchone()[0] > 0
        if waited:
            break
        time.sleep(0.05)
    release.set()
    for thread in threads:
        thread.join(timeout=60)
    return {
        "vendor": connection.vendor,
        "merge_waited": waited,
        "added": added,
        "staged": staged(scrape, "user__ig_pk"),
    }


if __name__ == "__main__":
    print(json.dumps(run()))
