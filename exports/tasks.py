"""Tasks of exports: the nightly backup (around exports.backup) and the background
exports (around exports.jobs), thin functions that take ids."""

from __future__ import annotations

import logging

from celery import shared_task

from core.models import AppSettings
from exports import backup, jobs

log = logging.getLogger(__name__)


@shared_task(name="exports.nightly_backup", expires=4 * 3600)
def nightly_backup() -> None:
    """Back up, then prune by the retention in Settings. Running it twice only
    makes one extra archive, which retention removes in time."""
    path = backup.create_backup()
    log.info("Backed up to %s", path)
    for gone in backup.prune_backups(AppSettings.load().backup_retention_days):
        log.info("Removed the old backup %s", gone.name)


@shared_task(name="exports.run_export_job")
def run_export_job(job_id: int) -> None:
    """Write a background export; a duplicate message finds it claimed or done."""
    from scraping.services.engine import worker_id

    hostname = run_export_job.request.hostname or "eager"
    jobs.run(job_id, worker=f"{hostname}:{worker_id()}")


@shared_task(name="exports.resume_stale_exports", expires=60)
def resume_stale_exports() -> None:
    jobs.resume_stale_jobs()
