"""Nightly backup: a thin task around archives.py (found by igdash/celery.py)."""

from __future__ import annotations

import logging

from celery import shared_task

from core.models import AppSettings
from exports.backups import archives
from exports.backups.signals import backup_failed

log = logging.getLogger(__name__)


@shared_task(name="exports.nightly_backup", expires=4 * 3600)
def nightly_backup() -> None:
    """Back up, then prune by the retention in Settings. Running it twice only
    makes one extra archive, which retention removes in time."""
    try:
        path = archives.create_backup()
    except Exception as exc:
        # Told to the apps above (notify) before the task fails as it always did.
        backup_failed.send_robust(sender=nightly_backup, error=" ".join(str(exc).split()))
        raise
    log.info("Backed up to %s", path)
    for gone in archives.prune_backups(AppSettings.load().backup_retention_days):
        log.info("Removed the old backup %s", gone.name)
