"""What notify does when scraping or the backups signal something (connected in
apps.NotifyConfig.ready). Nothing here runs inside the sender's transaction: the
work is queued once it commits."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import transaction
from django.utils import timezone

from scraping.models import Scrape

TOLD = (
    Scrape.Status.SUCCEEDED,
    Scrape.Status.PARTIAL,
    Scrape.Status.FAILED,
    Scrape.Status.NEEDS_ATTENTION,
)


def on_scrape_status(sender: Any, *, scrape_id: int, new: str, **kwargs: Any) -> None:
    if new not in TOLD:
        return
    from notify.tasks import scrape_changed

    transaction.on_commit(lambda: scrape_changed.delay(scrape_id, new))


def on_backup_failed(sender: Any, *, error: str, **kwargs: Any) -> None:
    from notify import events, text
    from notify.models import Kind

    now = timezone.localtime()
    digest = hashlib.sha256(error.encode()).hexdigest()[:8]
    events.publish(
        f"backup:{now:%Y%m%dT%H%M}:{digest}",
        Kind.BACKUP_FAILED,
        f"The nightly backup failed: {error}",
        text.link("/settings/", **{}) + "#backups",
    )
