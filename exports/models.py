"""Background exports: a big XLSX is written by a worker into the data folder's
exports directory while the page shows its progress (docs/exports-and-backups.md
"Background exports")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts_app.models import TrackedAccount


class ExportJob(models.Model):
    """One list of one target written to a file by a worker.

    queued -> running -> done | failed; done -> expired (file removed) after
    settings.EXPORT_KEEP_HOURS. A running job whose heartbeat went stale lost its
    worker: it is queued again (the file starts over) or, after MAX_ATTEMPTS,
    failed (exports/jobs.py)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Writing"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)
    MAX_ATTEMPTS = 3

    target = models.ForeignKey(TrackedAccount, on_delete=models.CASCADE, related_name="+")
    list_name = models.CharField(max_length=30)
    fmt = models.CharField(max_length=10)
    at_scrape_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The list as this scrape saw it; null: as it is now."
    )
    search = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    rows_done = models.PositiveBigIntegerField(default=0)
    rows_total = models.PositiveBigIntegerField(null=True, blank=True)
    file_name = models.CharField(max_length=255, help_text="The name the download gets.")
    file_path = models.CharField(
        max_length=255, blank=True, help_text="Relative to the data folder's exports directory."
    )
    error = models.TextField(blank=True)
    claimed_by = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Export #{self.pk} {self.file_name} ({self.status})"

    @property
    def percent(self) -> int | None:
        if not self.rows_total:
            return None
        return min(100, round(100 * self.rows_done / self.rows_total))

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES
