"""Two requests for background exports arrive together while the cap
(EXPORT_MAX_ACTIVE_JOBS) leaves room for one. Prints how many jobs were created
and how many requests were refused, as JSON. test_export_cap_postgres.py runs it
on PostgreSQL, where the advisory lock of `core.serial` keeps the two apart:

    DATABASE_URL=postgresql://... IGDASH_EXPORT_MAX_ACTIVE_JOBS=1 \\
        python -m exports.tests.export_cap_scenario [--no-lock] [--same]

Each request waits between counting the active jobs and adding its own
(without the lock, until both have counted), so without the lock both count
none and both add one."""

from __future__ import annotations

import json
import sys
import threading
import time


def run(lock: bool, same: bool) -> dict[str, object]:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.db import connection

    from accounts_app.models import IgUser, TrackedAccount
    from exports import files, jobs
    from exports.lists import get_list
    from exports.models import ExportJob
    from exports.tasks import run_export_job

    run_export_job.delay_on_commit = lambda *args, **kwargs: None  # no worker here
    if not lock:
        jobs.serialise = lambda *args, **kwargs: None  # type: ignore[assignment]
    name_of = files.export_filename
    both_counted = threading.Barrier(2, timeout=30)

    def slow_name(*args: object, **kwargs: object) -> str:
        # Between the count and the new row. Without the lock, each waits until
        # both have counted: the race the lock prevents, made certain.
        if not lock:
            both_counted.wait()
        time.sleep(0.3)
        return name_of(*args, **kwargs)  # type: ignore[arg-type]

    files.export_filename = slow_name  # type: ignore[assignment]
    target = TrackedAccount.objects.create(user=IgUser.objects.create(ig_pk=1, username="t"))
    start = threading.Barrier(2)
    refused: list[str] = []

    def request(search: str) -> None:
        try:
            start.wait()
            try:
                jobs.start(get_list(target, "followers", search=search), files.Format.XLSX, 10)
            except jobs.TooManyJobs:
                refused.append(search)
        finally:
            connection.close()

    searches = ("ana", "ana") if same else ("ana", "bob")
    threads = [threading.Thread(target=request, args=(q,)) for q in searches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"vendor": connection.vendor, "jobs": ExportJob.objects.count(), "refused": len(refused)}


if __name__ == "__main__":
    print(json.dumps(run(lock="--no-lock" not in sys.argv[1:], same="--same" in sys.argv[1:])))
