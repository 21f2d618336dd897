"""The staging table after finalise on PostgreSQL: emptied to nothing (files
and indexes) once no scrape has rows in it, and never while another scrape is
still writing its pages. test_staging_postgres.py runs it:

    DATABASE_URL=postgresql://... python -m scraping.tests.staging_scenario

Two scrapes stage 3,000 users each; the first finalises while the second is
still running, then the second. Prints the staging table's rows and sizes
after each, as JSON."""

from __future__ import annotations

import json


def run() -> dict[str, object]:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.db import connection

    from scraping.instagram.types import Page, UserRecord
    from scraping.models import ScrapeList, ScrapeSeen
    from scraping.services.delta import finalise
    from scraping.services.store import store_pages
    from scraping.tests.scenario_setup import running_scrape

    def started(name: str, pk: int) -> tuple[object, ScrapeList]:
        scrape, part = running_scrape(name, pk, followers=3000)
        for start in range(0, 3000, 200):
            users = [
                UserRecord(10_000 + i, f"user{i}", "", "", False, False)
                for i in range(start, start + 200)
            ]
            store_pages(scrape, "w", part, [Page(users, None if start == 2800 else "c")])
        return scrape, part

    def staging() -> dict[str, int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_relation_size('scraping_scrapeseen'), "
                "pg_indexes_size('scraping_scrapeseen')"
            )
            heap, indexes = cursor.fetchone()
        return {"rows": ScrapeSeen.objects.count(), "heap": heap, "indexes": indexes}

    first, _ = started("first.target", 1)
    second, _ = started("second.target", 2)
    with_both = staging()
    assert finalise(first, "w").status == "succeeded"
    after_first = staging()
    assert finalise(second, "w").status == "succeeded"
    after_both = staging()
    return {
        "vendor": connection.vendor,
        "with_both": with_both,
        "after_first": after_first,
        "after_both": after_both,
    }


if __name__ == "__main__":
    print(json.dumps(run()))
