"""Background exports: a big XLSX (seconds per 10,000 rows, ~100 s at 1M) is
written by a worker instead of inside one request. The request creates an
ExportJob and answers with a page that polls its progress; the worker writes
the file into settings.EXPORT_DIR (0600, through a .part file renamed at the
end); the page then offers the download. CSV and JSON stream from their first
row at any size, and small XLSX files take seconds: those stay direct
downloads (files.download), and so does the `export` command.

A job's worker heartbeat is its progress write. A job still running with a
heartbeat older than the scrapes' stale time (scraping.services.config) lost
its worker: it is queued again from the start (an XLSX cannot continue a
half-written zip), at most ExportJob.MAX_ATTEMPTS times, then failed.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import queue
import secrets
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import DatabaseError, connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from core.serial import EXPORT_JOBS, serialise
from exports import files
from exports.lists import AccountList, ListError, get_list
from exports.models import ExportJob
from scraping.services.config import stale_seconds

log = logging.getLogger(__name__)
Status = ExportJob.Status
PROGRESS_EVERY_ROWS = 5000
PROGRESS_EVERY_SECONDS = 1.0


class TooManyJobs(Exception):
    """EXPORT_MAX_ACTIVE_JOBS background exports are queued or running."""

    def __init__(self, active: int) -> None:
        super().__init__(
            f"{active} exports are being written already: wait for one to finish "
            "(or download as CSV or JSON, which start at once)."
        )


class LostJob(Exception):
    """The job is no longer this worker's (stale and taken over, or removed)."""


def export_dir() -> Path:
    folder = Path(settings.EXPORT_DIR)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Owner only, whatever the umask made it (settings creates it at start-up).
    if os.name == "posix" and folder.stat().st_mode & 0o777 != 0o700:
        folder.chmod(0o700)
    return folder


def in_background(account_list: AccountList, fmt: files.Format) -> int | None:
    """The row count when this export is too big for one request, else None.
    Only XLSX: it is written whole before its first byte can go out."""
    if fmt is not files.Format.XLSX:
        return None
    # The edges alone (no user columns, no order) are counted, and the first
    # count stops at the threshold: at 200,000 rows both take ~15 ms, where
    # a count of the ordered export rows took ~1 s.
    limit = int(settings.EXPORT_BACKGROUND_ROWS)
    edges = account_list.relationships()
    if edges[: limit + 1].count() <= limit:
        return None
    return edges.count()


def start(
    account_list: AccountList,
    fmt: files.Format,
    rows: int | None,
    user: User | AnonymousUser | None = None,
) -> ExportJob:
    """The job writing this export: an identical one still queued or running, or
    one finished since the target's last scrape (the same rows), else a new one
    sent to a worker when the transaction commits. TooManyJobs when a new one
    would exceed EXPORT_MAX_ACTIVE_JOBS."""
    at_id = account_list.at.pk if account_list.at is not None else None
    export: dict[str, Any] = {
        "target": account_list.target,
        "list_name": str(account_list.name),
        "fmt": str(fmt),
        "at_scrape_id": at_id,
        "search": account_list.search,
    }
    same = ExportJob.objects.filter(**export)
    fresh = Q(status__in=ExportJob.ACTIVE_STATUSES)
    last_scraped = account_list.target.last_scraped_at
    done = Q(status=Status.DONE, expires_at__gt=timezone.now())
    fresh |= done & Q(created_at__gt=last_scraped) if last_scraped else done
    from exports.tasks import run_export_job

    with transaction.atomic():
        # One step for every process: two identical requests at once join one
        # job, and two different ones cannot both see room for one more.
        serialise(EXPORT_JOBS)
        existing = same.filter(fresh).order_by("-id").first()
        if existing is not None and (existing.is_active or file_of(existing) is not None):
            return existing
        active = ExportJob.objects.filter(status__in=ExportJob.ACTIVE_STATUSES).count()
        if active >= int(settings.EXPORT_MAX_ACTIVE_JOBS):
            raise TooManyJobs(active)
        job = ExportJob.objects.create(
            **export,
            rows_total=rows,
            file_name=files.export_filename(account_list, fmt),
            created_by=user if isinstance(user, User) and user.is_authenticated else None,
            heartbeat_at=timezone.now(),
        )
        run_export_job.delay_on_commit(job.pk)  # type: ignore[attr-defined]  # a DjangoTask (Celery's Django fixup); celery-types types it Task
    log.info("export #%s queued: %s (%s rows)", job.pk, job.file_name, rows)
    return job


def _claim(job_id: int, worker: str) -> ExportJob | None:
    now = timezone.now()
    stale = now - dt.timedelta(seconds=stale_seconds())
    claimed = (
        ExportJob.objects.filter(pk=job_id)
        .filter(Q(status=Status.QUEUED) | Q(status=Status.RUNNING, heartbeat_at__lt=stale))
        .update(
            status=Status.RUNNING,
            claimed_by=worker,
            heartbeat_at=now,
            attempts=F("attempts") + 1,
            rows_done=0,
            error="",
        )
    )
    if claimed != 1:
        return None
    return ExportJob.objects.select_related("target__user").get(pk=job_id)


def _mine(job: ExportJob, worker: str) -> Q:
    return Q(pk=job.pk, claimed_by=worker, status=Status.RUNNING)


class _Progress:
    """Counts the rows the writer takes; every few thousand rows (or a second)
    the count, which is also the heartbeat, is written, and the job stops when
    it is no longer this worker's.

    The writes go through a thread of their own, with its own database
    connection: the rows are read in one statement, whose read snapshot a write
    on the same SQLite connection could not outlive once another connection (a
    worker's heartbeat, a scrape) has written ("database is locked" at once).
    The snapshot is kept on purpose: the file shows the list as one moment."""

    def __init__(self, job: ExportJob, worker: str, rows: Iterable[tuple[object, ...]]) -> None:
        self.job, self.worker, self.rows = job, worker, rows
        self.count = 0
        self.lost = False
        self._queue: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        self._thread = threading.Thread(
            target=self._write_loop, name=f"export-{job.pk}-progress", daemon=True
        )
        self._thread.start()

    def __iter__(self) -> Iterator[tuple[object, ...]]:
        last = time.monotonic()
        for row in self.rows:
            self.count += 1
            # The clock is read every few hundred rows, not on each of a million.
            if self.count % 500 == 0 and (
                self.count % PROGRESS_EVERY_ROWS == 0
                or time.monotonic() - last >= PROGRESS_EVERY_SECONDS
            ):
                if self.lost:
                    raise LostJob(f"export #{self.job.pk} is no longer run by {self.worker}")
                self._queue.put(self.count)
                last = time.monotonic()
            yield row

    def close(self) -> None:
        """Write the last count and stop the thread; LostJob if the job is gone."""
        self._queue.put(self.count)
        self._queue.put(None)
        self._thread.join()
        if self.lost:
            raise LostJob(f"export #{self.job.pk} is no longer run by {self.worker}")

    def stop(self) -> None:
        """After an error: end the rows' statement (its snapshot would block the
        failure's own write) and the thread."""
        close = getattr(self.rows, "close", None)
        if close is not None:
            close()
        self._queue.put(None)
        self._thread.join()

    def _write_loop(self) -> None:
        try:
            while (count := self._queue.get()) is not None:
                try:
                    updated = ExportJob.objects.filter(_mine(self.job, self.worker)).update(
                        rows_done=count, heartbeat_at=timezone.now()
                    )
                except DatabaseError as exc:  # a busy database: the next write tries again
                    log.warning("export #%s: progress not written (%s)", self.job.pk, exc)
                    continue
                if updated != 1:
                    self.lost = True
        finally:
            connections.close_all()  # this thread's own connection


def run(job_id: int, worker: str) -> ExportJob | None:
    """Write the job's file; None when it was not ours to run."""
    job = _claim(job_id, worker)
    if job is None:
        log.info("export #%s not claimable; nothing to do", job_id)
        return None
    folder = export_dir()
    name = f"{job.pk}-{secrets.token_hex(8)}.{job.fmt}"
    part = folder / f"{name}.part"
    try:
        account_list = get_list(job.target, job.list_name, at=job.at_scrape_id, search=job.search)
        fmt = files.parse_format(job.fmt)
        # 0600 whatever the umask: the file holds the owner's data.
        descriptor = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        progress = _Progress(job, worker, account_list.rows())
        try:
            with os.fdopen(descriptor, "wb") as out:
                files.write_rows(account_list, fmt, progress, out)
        except BaseException:
            progress.stop()
            raise
        progress.close()
        os.replace(part, folder / name)
    except LostJob as exc:
        part.unlink(missing_ok=True)
        log.warning("%s", exc)
        return None
    except Exception as exc:
        part.unlink(missing_ok=True)
        if not isinstance(exc, ListError):
            log.exception("export #%s failed", job_id)
        message = str(exc) if isinstance(exc, ListError) else f"{type(exc).__name__}: {exc}"
        _finish(job, worker, status=Status.FAILED, error=f"The export failed: {message}")
        return ExportJob.objects.get(pk=job_id)
    now = timezone.now()
    if not _finish(
        job,
        worker,
        status=Status.DONE,
        rows_done=progress.count,
        rows_total=progress.count,
        file_path=name,
        expires_at=now + dt.timedelta(hours=settings.EXPORT_KEEP_HOURS),
    ):
        (folder / name).unlink(missing_ok=True)
        return None
    log.info("export #%s done: %s rows in %s", job.pk, progress.count, name)
    return ExportJob.objects.get(pk=job_id)


def _finish(job: ExportJob, worker: str, **fields: object) -> bool:
    now = timezone.now()
    updated = ExportJob.objects.filter(_mine(job, worker)).update(
        claimed_by="", heartbeat_at=now, finished_at=now, **fields
    )
    return updated == 1


def resume_stale_jobs() -> list[int]:
    """Running jobs whose worker died (stale heartbeat) and queued jobs whose
    message may be lost: queued again, or failed after MAX_ATTEMPTS. A job
    never stays 'running' without a worker."""
    from exports.tasks import run_export_job

    now = timezone.now()
    stale = now - dt.timedelta(seconds=stale_seconds())
    stuck = Q(status__in=ExportJob.ACTIVE_STATUSES, heartbeat_at__lt=stale) | Q(
        status__in=ExportJob.ACTIVE_STATUSES, heartbeat_at__isnull=True
    )
    resumed = []
    for job in ExportJob.objects.filter(stuck):
        with transaction.atomic():
            again = ExportJob.objects.filter(pk=job.pk).filter(stuck)
            if job.attempts >= ExportJob.MAX_ATTEMPTS:
                again.update(
                    status=Status.FAILED,
                    claimed_by="",
                    finished_at=now,
                    error=f"The worker stopped {job.attempts} times while writing this export.",
                )
                log.warning("export #%s failed: its worker stopped %s times", job.pk, job.attempts)
                continue
            if again.update(status=Status.QUEUED, claimed_by="", heartbeat_at=now, rows_done=0):
                run_export_job.delay_on_commit(job.pk)  # type: ignore[attr-defined]  # a DjangoTask (Celery's Django fixup); celery-types types it Task
                resumed.append(job.pk)
    if resumed:
        log.info("re-enqueued exports %s", resumed)
    return resumed


def file_of(job: ExportJob) -> Path | None:
    """The finished file, if it is still there."""
    if job.status != Status.DONE or not job.file_path:
        return None
    path = export_dir() / job.file_path
    return path if path.is_file() else None


def prune() -> int:
    """Remove finished exports past their time (file and row), failed ones a day
    old, and files no job knows (a worker killed between writing and recording).
    Returns the number of files removed."""
    now = timezone.now()
    removed = 0
    folder = export_dir()
    for job in ExportJob.objects.filter(status=Status.DONE, expires_at__lte=now):
        if job.file_path and (folder / job.file_path).is_file():
            (folder / job.file_path).unlink(missing_ok=True)
            removed += 1
        ExportJob.objects.filter(pk=job.pk).update(status=Status.EXPIRED, file_path="")
    day_ago = now - dt.timedelta(days=1)
    # The page of a gone export still says so for a day.
    ExportJob.objects.filter(
        Q(status=Status.EXPIRED, expires_at__lt=day_ago)
        | Q(status=Status.FAILED, created_at__lt=day_ago)
    ).delete()
    known = set(ExportJob.objects.exclude(file_path="").values_list("file_path", flat=True))
    grace = time.time() - stale_seconds()
    for path in folder.iterdir():
        # A .part file is a job being written; left alone until it is stale.
        written = path.name.removesuffix(".part")
        if written not in known and path.is_file() and path.stat().st_mtime < grace:
            if path.name.endswith(".part") and _active_part(path.name):
                continue
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def _active_part(name: str) -> bool:
    job_id = name.split("-", 1)[0]
    return job_id.isdigit() and (
        ExportJob.objects.filter(pk=int(job_id), status=Status.RUNNING).exists()
    )
