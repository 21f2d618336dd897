"""Two workers choose a login for their scrapes at the same moment, as the
engine does (scraping/services/engine.py `_start`): lock the choice, read
`usable_logins()`, record the login on the scrape. Prints the logins chosen as
JSON. test_login_choice_postgres.py runs it on PostgreSQL, where the row locks
of `lock_choice()` are what keeps the two apart:

    DATABASE_URL=postgresql://... python -m scraping.tests.login_choice_scenario [--no-lock]

Each worker waits after reading the list (without the lock, until both have
read it), so without the lock both take the same login."""

from __future__ import annotations

import json
import sys
import threading
import time


def run(lock: bool) -> dict[str, object]:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.db import connection, transaction

    from accounts_app.models import IgUser, TrackedAccount
    from scraping.models import Scrape
    from scraping.services import logins

    for n in (1, 2):
        logins.store_login(f"login{n}", sessionid=f"{n}%3Asession")
    scrapes = []
    for n in (1, 2):
        target = TrackedAccount.objects.create(
            user=IgUser.objects.create(ig_pk=n, username=f"target{n}")
        )
        scrapes.append(Scrape.objects.create(target=target, status="running").pk)
    start = threading.Barrier(2)
    # Without the lock, each waits until both have read the list: the race the
    # lock prevents, made certain rather than likely.
    both_read = threading.Barrier(2, timeout=30)
    chosen: dict[int, str] = {}

    def worker(scrape_id: int) -> None:
        try:
            start.wait()
            with transaction.atomic():
                if lock:
                    logins.lock_choice()
                login = next(iter(logins.usable_logins()))
                if not lock:
                    both_read.wait()
                time.sleep(0.3)  # the profile request, the client's set-up
                Scrape.objects.filter(pk=scrape_id).update(login=login)
                logins.mark_chosen(login)
            chosen[scrape_id] = login.username
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(pk,)) for pk in scrapes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"vendor": connection.vendor, "chosen": sorted(chosen.values())}


if __name__ == "__main__":
    print(json.dumps(run(lock="--no-lock" not in sys.argv[1:])))
