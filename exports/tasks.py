"""Background list exports: thin tasks around exports.jobs (the nightly backup
is in exports/backups/tasks.py)."""

from __future__ import annotations

import logging

from celery import shared_task

from exports import jobs

log = logging.getLogger(__name__)


@shared_task(name="exports.run_export_job")
def run_export_job(job_id: int) -> None:
    """Write a background export; a duplicate message finds it claimed or done."""
    from scraping.services.engine import worker_id

    hostname = run_export_job.request.hostname or "eager"
    jobs.run(job_id, worker=f"{hostname}:{worker_id()}")


@shared_task(name="exports.resume_stale_exports", expires=60)
def resume_stale_exports() -> None:
    jobs.resume_stale_jobs()
