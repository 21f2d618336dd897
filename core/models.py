"""Application-wide state: the owner's settings, the worker's signs of life and the
vault's unlock row (passphrase mode).

These models live in the leaf package so that every layer may read them, but they
keep the app label "igdash" (Meta.app_label): their tables, migrations
(igdash/migrations) and the labels inside earlier backups stay what they were.
igdash/models.py imports them so that Django registers them with the igdash app."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone


class AppSettings(models.Model):
    """The settings the owner edits on the Settings page: a single row (pk=1).

    Rate-limit defaults come from docs/instagram-wire.md section 7 (instaloader's
    controller); environment variables listed in .env.example override them.
    """

    SINGLETON_PK = 1

    # Sliding windows: requests allowed per window, per login and endpoint family.
    web_api_limit = models.PositiveIntegerField(default=75)
    web_api_window_seconds = models.PositiveIntegerField(default=660)
    graphql_limit = models.PositiveIntegerField(default=200)
    graphql_window_seconds = models.PositiveIntegerField(default=660)
    mobile_api_limit = models.PositiveIntegerField(default=199)
    mobile_api_window_seconds = models.PositiveIntegerField(default=1800)
    jitter_mean_seconds = models.FloatField(
        default=1.7, validators=[MinValueValidator(0.0), MaxValueValidator(60.0)]
    )
    jitter_max_seconds = models.FloatField(
        default=15.0, validators=[MinValueValidator(0.0), MaxValueValidator(300.0)]
    )
    backoff_base_seconds = models.FloatField(default=60.0, validators=[MinValueValidator(0.0)])
    backoff_max_seconds = models.FloatField(default=3600.0, validators=[MinValueValidator(0.0)])
    # The proxy list carries the proxies' passwords: sealed like one
    # (accounts_app/proxies.py); pages show proxies_hint, one masked line each.
    proxies_enc = models.BinaryField(null=True, blank=True, editable=False)
    proxies_hint = models.TextField(
        "proxies",
        blank=True,
        editable=False,
        help_text="One proxy per line, rotated between logins and retries; credentials masked.",
    )
    proxies_unsealed = models.TextField(
        blank=True,
        editable=False,
        help_text="Stored in clear by an older igdash, sealed at the next unlock.",
    )
    backup_retention_days = models.PositiveIntegerField(
        default=14, validators=[MinValueValidator(1), MaxValueValidator(3650)]
    )
    refresh_time = models.TimeField(
        default=dt.time(2, 0), help_text="Local time of the nightly refresh of bookmarked accounts."
    )
    refresh_spacing_seconds = models.PositiveIntegerField(
        default=300, help_text="Pause between two accounts of the nightly refresh."
    )
    # Content analytics: a reel whose listing answer carries no play count gets its
    # own media info request (one a reel, through the same rate limiter). Off: the
    # play count stays unknown (docs/content-analytics.md "Play counts").
    fetch_play_counts = models.BooleanField(
        default=False,
        help_text="Ask Instagram for each reel whose listing answer lacks its play count "
        "(one request a reel).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "igdash"
        verbose_name = "application settings"
        verbose_name_plural = "application settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="app_settings_singleton")
        ]

    def __str__(self) -> str:
        return "Application settings"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = self.SINGLETON_PK
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> AppSettings:
        obj, _ = cls.objects.get_or_create(pk=cls.SINGLETON_PK)
        return obj


class WorkerHeartbeat(models.Model):
    """Written by each Celery worker every few seconds; /health reads it."""

    hostname = models.CharField(max_length=255, unique=True)
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        app_label = "igdash"
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return f"{self.hostname} (seen {self.last_seen:%Y-%m-%d %H:%M:%S})"


class WorkerPing(models.Model):
    """A round trip through the broker, started from Settings ("Test the
    worker"): proves that what the web enqueues, a worker executes."""

    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.CharField(max_length=255, blank=True)

    class Meta:
        app_label = "igdash"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Ping #{self.pk}"

    @property
    def round_trip_seconds(self) -> float | None:
        if self.answered_at is None:
            return None
        return (self.answered_at - self.created_at).total_seconds()


class VaultUnlock(models.Model):
    """Passphrase mode: the master key after the owner unlocked it, encrypted with
    the boot secret that `igdash serve` gave its children in memory. Another boot
    has another secret, so after a restart this row opens nothing and igdash is
    locked again until the passphrase is entered (accounts_app/vault.py)."""

    SINGLETON_PK = 1
    sealed_key = models.BinaryField()
    unlocked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "igdash"

    def __str__(self) -> str:
        return f"Unlocked at {self.unlocked_at:%Y-%m-%d %H:%M}"
