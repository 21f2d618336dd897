"""Notifications: where they go (Channel), what happened (Event, also the bell's
list), one delivery of an event to a channel (Delivery), the per-account rules
(AccountRule) and the watch list (WatchedUser). docs/notifications.md."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from accounts_app.models import IgUser, TrackedAccount


class Kind(models.TextChoices):
    LOST_FOLLOWERS = "lost_followers", "Lost followers"
    NEW_FOLLOWERS = "new_followers", "New followers"
    WATCHED = "watched", "A watched user followed or stopped"
    SCRAPE_FAILED = "scrape_failed", "Scrape failed"
    SCRAPE_PARTIAL = "scrape_partial", "Scrape partial"
    SCRAPE_WAITING = "scrape_waiting", "Scrape waits for you"
    BACKUP_FAILED = "backup_failed", "Backup failed"
    WORKER_DOWN = "worker_down", "Worker down"
    DIGEST = "digest", "Digest"


class Channel(models.Model):
    """An Apprise URL, sealed with the vault (`channel:<id>:url`); `url_hint` is
    its scheme only, what pages show. `kinds` lists the event kinds it gets."""

    name = models.CharField(max_length=60, unique=True)
    url_enc = models.BinaryField(editable=False)
    url_hint = models.CharField(max_length=40, editable=False, help_text="The URL's scheme only.")
    kinds = models.JSONField(default=list, blank=True)
    quiet_start = models.TimeField(null=True, blank=True)
    quiet_end = models.TimeField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    last_ok = models.BooleanField(null=True, editable=False)
    last_result = models.CharField(max_length=300, blank=True, editable=False)
    last_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.url_hint}://…)"

    @property
    def aad(self) -> str:
        return f"channel:{self.pk}:url"


class Event(models.Model):
    """Something the owner is told: shown by the bell and sent to the channels.
    `key` is the event's stable id: recording the same happening twice (a
    retried task) finds the row already there."""

    key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    account = models.ForeignKey(
        TrackedAccount, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    text = models.TextField()
    link = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read = models.BooleanField(default=False, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.text[:60]}"

    @property
    def local_link(self) -> str:
        """The link as a path on this igdash, for the bell: the page is open
        already, on whatever address the owner used."""
        from django.conf import settings

        base = settings.BASE_URL
        return self.link[len(base) :] or "/" if self.link.startswith(base) else self.link


class Delivery(models.Model):
    """One event to one channel, once: the pair is unique and a task sends only
    a row it moved out of pending/held/failed itself."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        HELD = "held", "Held for quiet hours"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    hold_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "channel"], name="one_delivery_per_channel")
        ]
        indexes = [models.Index(fields=["status", "hold_until"], name="delivery_due")]

    def __str__(self) -> str:
        return f"event {self.event_id} -> channel {self.channel_id}: {self.status}"


class AccountRule(models.Model):
    """What an account's complete scrapes tell the owner. No row: the defaults
    (every lost follower, watched users, no digest)."""

    class Lost(models.TextChoices):
        OFF = "off", "Off"
        ALL = "all", "Every lost follower"
        WATCHED = "watched", "Only watched users"

    class Digest(models.TextChoices):
        OFF = "off", "Off"
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly (Mondays)"

    account = models.OneToOneField(TrackedAccount, on_delete=models.CASCADE, related_name="+")
    lost = models.CharField(max_length=10, choices=Lost.choices, default=Lost.ALL)
    new_above = models.PositiveIntegerField(
        null=True, blank=True, help_text="Tell me when more than this many new followers came."
    )
    watched = models.BooleanField(default=True)
    digest = models.CharField(max_length=10, choices=Digest.choices, default=Digest.OFF)

    def __str__(self) -> str:
        return f"rules of account {self.account_id}"


class WatchedUser(models.Model):
    """A user the owner marked on an account's list: told when they stop or
    start following that account."""

    account = models.ForeignKey(TrackedAccount, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(IgUser, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "user"], name="watch_once_per_account")
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} watched on account {self.account_id}"
