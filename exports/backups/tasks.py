"""Nightly backup: a thin task around archives.py (found by igdash/celery.py)."""

from __future__ import annotations

import logging

from celery import shared_task

from core.models import AppSettings
from exports.backups import archives

log = logging.getLogger(__name__)


@shared_task(name="exports.nightly_backup", expires=4 * 3600)
def nightly_backup() -> None:
    """Back up, then prune by the retention in Settings. Running it twice only
    makes one extra archive, which retention removes in time."""
    path = archives.create_backup()
    log.info("Backed up to %s", path)
    for gone in archives.prune_backups(AppSettings.load().backup_retention_days):
        log.info("Removed the old backup %s", gone.name)
