"""Background exports: a big XLSX becomes a job a worker writes, with a
progress page polled by htmx and a download when ready; small ones stay direct."""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.utils import timezone

from exports import jobs
from exports.lists import get_list
from exports.models import ExportJob
from exports.tasks import run_export_job
from exports.tests.history import finished_scrape, make_target, make_users
from igdash.tasks import prune_housekeeping
from scraping.models import Direction, Relationship

pytestmark = pytest.mark.django_db
ROWS = 40
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def owner(client: Client) -> Client:
    client.force_login(User.objects.create_superuser("owner", "", "pw-123456789"))
    return client


@pytest.fixture
def big_list() -> list[str]:
    """A list of ROWS followers; the tests lower the background threshold under it."""
    target = make_target()
    scrape = finished_scrape(target)
    users = make_users([f"Name {i}" for i in range(ROWS)])
    Relationship.objects.bulk_create(
        Relationship(target=target, user=user, direction=Direction.FOLLOWER, first_seen=scrape)
        for user in users
    )
    return sorted(user.username for user in users)


def sheet_usernames(content: bytes) -> list[str]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert header[0] == "username"
    return [str(row[0]) for row in rows]


@override_settings(EXPORT_BACKGROUND_ROWS=10)
def test_a_big_xlsx_export_becomes_a_job_whose_page_polls_its_progress(
    owner: Client, big_list: list[str], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        response = owner.get("/exports/target/followers.xlsx")

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/exports/jobs/{job.pk}/"
    assert len(callbacks) == 1  # the worker's message goes out once the job is committed
    assert (job.status, job.rows_total, job.list_name, job.fmt) == (
        "queued",
        ROWS,
        "followers",
        "xlsx",
    )
    page = owner.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in page and "Waiting for a worker" in page
    assert "No worker is running now" in page  # none in this test
    polled = owner.get(f"/exports/jobs/{job.pk}/progress/", **HX)
    assert polled.status_code == 200  # still polling
    assert owner.get(f"/exports/jobs/{job.pk}/file").status_code == 409
    # The same request again while it runs finds the same job.
    assert owner.get("/exports/target/followers.xlsx")["Location"] == response["Location"]


# The worker writes its progress through a connection of its own (exports/jobs.py):
# the job row must be committed for it, as it is in real use.
@pytest.mark.django_db(transaction=True)
@override_settings(EXPORT_BACKGROUND_ROWS=10)
def test_running_the_task_writes_the_whole_file_and_the_page_offers_it(
    owner: Client, big_list: list[str]
) -> None:
    assert owner.get("/exports/target/followers.xlsx").status_code == 302
    job = ExportJob.objects.get()

    run_export_job(job.pk)  # what the worker runs

    done = ExportJob.objects.get(pk=job.pk)
    assert done.status == "done"
    assert (done.rows_done, done.rows_total) == (ROWS, ROWS)
    path = Path(settings.EXPORT_DIR) / done.file_path
    assert path.parent == Path(settings.DATA_DIR) / "exports"
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert sheet_usernames(path.read_bytes()) == big_list
    polled = owner.get(f"/exports/jobs/{job.pk}/progress/", **HX)
    assert polled.status_code == 286  # htmx stops polling
    html = polled.content.decode()
    assert f'href="/exports/jobs/{job.pk}/file"' in html and "Ready: 40 rows" in html
    assert "hx-trigger" not in html
    download = owner.get(f"/exports/jobs/{job.pk}/file")
    assert download.status_code == 200
    disposition = download["Content-Disposition"]
    assert disposition.startswith('attachment; filename="igdash_target_followers_')
    assert sheet_usernames(b"".join(download.streaming_content)) == big_list


@override_settings(EXPORT_BACKGROUND_ROWS=10)
def test_small_exports_and_every_csv_stay_direct_downloads(
    owner: Client, big_list: list[str]
) -> None:
    csv = owner.get("/exports/target/followers.csv")
    assert csv.status_code == 200 and csv.streaming
    # A search narrows the list under the threshold: user00 ... user09.
    narrowed = owner.get("/exports/target/followers.xlsx", {"q": "user0"})
    assert narrowed.status_code == 200
    assert sheet_usernames(b"".join(narrowed.streaming_content)) == big_list[:10]
    with override_settings(EXPORT_BACKGROUND_ROWS=ROWS):
        xlsx = owner.get("/exports/target/followers.xlsx")
    assert xlsx.status_code == 200
    assert sheet_usernames(b"".join(xlsx.streaming_content)) == big_list
    assert not ExportJob.objects.exists()


@override_settings(EXPORT_BACKGROUND_ROWS=10)
def test_job_pages_need_the_login(client: Client, big_list: list[str]) -> None:
    job = jobs.start(get_list(make_target("other"), "followers"), jobs.files.Format.XLSX, 0)
    for url in (f"/exports/jobs/{job.pk}/", f"/exports/jobs/{job.pk}/file"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_job_whose_worker_died_is_run_again_then_failed_never_left_running(
    big_list: list[str],
) -> None:
    job = jobs.start(get_list(make_target("x"), "followers"), jobs.files.Format.XLSX, 0)
    # A worker claimed it and was killed: the heartbeat stops.
    ExportJob.objects.filter(pk=job.pk).update(
        status="running", claimed_by="dead-worker", attempts=1, rows_done=7
    )
    later = timezone.now() + dt.timedelta(seconds=jobs.stale_seconds() + 5)
    assert jobs.resume_stale_jobs() == []  # not stale yet
    with time_machine.travel(later):
        assert jobs.resume_stale_jobs() == [job.pk]
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.claimed_by) == ("queued", 0, "")
    ExportJob.objects.filter(pk=job.pk).update(status="running", attempts=3)
    with time_machine.travel(later + dt.timedelta(seconds=jobs.stale_seconds() + 5)):
        assert jobs.resume_stale_jobs() == []
    job.refresh_from_db()
    assert job.status == "failed" and "worker stopped 3 times" in job.error


@pytest.mark.django_db(transaction=True)
def test_a_stale_running_job_is_taken_over_by_the_next_worker(big_list: list[str]) -> None:
    target = make_target("y")
    job = jobs.start(get_list(target, "followers"), jobs.files.Format.XLSX, 0)
    ExportJob.objects.filter(pk=job.pk).update(status="running", claimed_by="dead", attempts=1)
    assert jobs.run(job.pk, worker="new") is None  # the dead worker's heartbeat is fresh
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=jobs.stale_seconds() + 5)):
        done = jobs.run(job.pk, worker="new")
    assert done is not None and done.status == "done" and done.attempts == 2


@pytest.mark.django_db(transaction=True)
def test_expired_files_and_unknown_files_are_removed_by_housekeeping(
    big_list: list[str],
) -> None:
    account_list = get_list(make_target("z"), "followers")
    job = jobs.start(account_list, jobs.files.Format.XLSX, 0)
    done = jobs.run(job.pk, worker="w")
    assert done is not None
    path = jobs.file_of(done)
    assert path is not None and path.is_file()
    stray = jobs.export_dir() / "99999-deadbeef.xlsx"
    stray.write_bytes(b"left by a killed worker")
    old = timezone.now().timestamp() - 3600
    os.utime(stray, (old, old))

    prune_housekeeping()
    assert path.is_file() and not stray.exists()  # still within its time

    with time_machine.travel(timezone.now() + dt.timedelta(hours=settings.EXPORT_KEEP_HOURS + 1)):
        prune_housekeeping()
    assert not path.exists()
    done.refresh_from_db()
    assert done.status == "expired" and jobs.file_of(done) is None


CONCURRENT_WRITER = """
import threading
from django.db import connections
from exports import files, jobs
from exports.lists import AccountList, get_list
from exports.tests.history import finished_scrape, make_target, make_users
from core.models import WorkerHeartbeat
from scraping.models import Direction, Relationship

target = make_target()
scrape = finished_scrape(target)
Relationship.objects.bulk_create(
    Relationship(target=target, user=u, direction=Direction.FOLLOWER, first_seen=scrape)
    for u in make_users([f"n{i}" for i in range(3000)])
)
jobs.PROGRESS_EVERY_ROWS = 500
original = AccountList.rows

def rows_with_a_write_midway(self, chunk_size=200):
    for index, row in enumerate(original(self, chunk_size=200), start=1):
        if index == 700:  # another connection writes, as a worker's heartbeat does
            def beat():
                WorkerHeartbeat.objects.create(hostname="other", pid=1)
                connections.close_all()
            thread = threading.Thread(target=beat)
            thread.start()
            thread.join()
        yield row

AccountList.rows = rows_with_a_write_midway
job = jobs.start(get_list(target, "followers"), files.Format.XLSX, 3000)
done = jobs.run(job.pk, worker="w")
print(done.status, done.rows_done, done.error)
"""


def test_progress_writes_survive_other_connections_writing_on_a_real_sqlite_file(
    tmp_path: Path,
) -> None:
    # A write on the connection that reads the rows fails at once ("database is
    # locked") after any other connection wrote: the progress has its own.
    from exports.tests.processes import checked, manage, python

    checked(manage(tmp_path, "migrate", "-v0"))
    done = checked(python(tmp_path, CONCURRENT_WRITER))
    assert done.stdout.splitlines()[-1] == "done 3000 "


@pytest.mark.django_db(transaction=True)
def test_a_finished_export_is_offered_again_only_while_its_file_is_there(
    big_list: list[str],
) -> None:
    account_list = get_list(make_target("w"), "followers")
    first = jobs.run(jobs.start(account_list, jobs.files.Format.XLSX, 0).pk, worker="w")
    assert first is not None and first.status == "done"
    assert jobs.start(account_list, jobs.files.Format.XLSX, 0).pk == first.pk
    path = jobs.file_of(first)
    assert path is not None
    path.unlink()  # removed by hand

    again = jobs.start(account_list, jobs.files.Format.XLSX, 0)

    assert again.pk != first.pk and again.status == "queued"


@override_settings(EXPORT_BACKGROUND_ROWS=10, EXPORT_MAX_ACTIVE_JOBS=1)
def test_one_job_too_many_is_refused_with_a_reason(owner: Client, big_list: list[str]) -> None:
    first = owner.get("/exports/target/followers.xlsx")
    assert first.status_code == 302
    refused = owner.get("/exports/target/followers.xlsx", {"q": "user"})
    assert refused.status_code == 429 and refused["Retry-After"] == "30"
    assert "wait for one to finish" in refused.content.decode()
    assert ExportJob.objects.count() == 1
    assert owner.get("/exports/target/followers.xlsx").status_code == 302
