"""Scrape runs and the relationship history they build.

History is stored as intervals: one Relationship row per (target, user,
direction) for as long as the edge lasts, so storage grows with churn, not with
the number of scrapes. docs/data-model.md explains the rules.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts_app.models import IgUser, LoginCredential, TrackedAccount


class Direction(models.IntegerChoices):
    """FOLLOWER: the user follows the target. FOLLOWING: the target follows the user."""

    FOLLOWER = 1, "follower"
    FOLLOWING = 2, "following"


class Scrape(models.Model):
    """One run for one target. Status transitions (docs/data-model.md):

    queued -> running -> succeeded | partial | failed | cancelled
    running <-> waiting_rate_limit (resumes by itself at resume_at)
    running -> queued (network or server trouble, retried after a pause; or a
    dead worker's scrape, re-queued by the resumer)
    running -> needs_attention (a login needs the owner) -> queued (retry) | cancelled
    """

    class Lists(models.TextChoices):
        FOLLOWERS = "followers", "Followers"
        FOLLOWING = "following", "Following"
        BOTH = "both", "Followers and following"
        # No follower list: a scrape of another part only (posts and reels, which
        # the content app adds through scraping.services.extra_parts).
        NONE = "none", "No follower lists"

    class Source(models.TextChoices):
        AUTO = "auto", "Chosen at run time"
        WEB = "web", "Web API"
        PRIVATE = "private", "Private (mobile) API"
        GRAPHQL = "graphql", "Legacy GraphQL"
        IMPORT = "import", "Data-export import"

    class Trigger(models.TextChoices):
        MANUAL = "manual", "Manual"
        SCHEDULE = "schedule", "Nightly refresh"
        COMMAND = "command", "Command line"
        IMPORT = "import", "Import"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        WAITING_RATE_LIMIT = "waiting_rate_limit", "Waiting for rate limit"
        NEEDS_ATTENTION = "needs_attention", "Needs attention"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Partial"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    ACTIVE_STATUSES = (
        Status.QUEUED,
        Status.RUNNING,
        Status.WAITING_RATE_LIMIT,
        Status.NEEDS_ATTENTION,
    )
    FINISHED_STATUSES = (Status.SUCCEEDED, Status.PARTIAL, Status.FAILED, Status.CANCELLED)
    # The one status-to-colour mapping: the badge is .badge-<tone> (_status.html).
    STATUS_TONES: dict[str, str] = {
        Status.QUEUED: "info",
        Status.RUNNING: "info",
        Status.WAITING_RATE_LIMIT: "warn",
        Status.NEEDS_ATTENTION: "warn",
        Status.SUCCEEDED: "ok",
        Status.PARTIAL: "warn",
        Status.FAILED: "error",
        Status.CANCELLED: "muted",
    }

    # Null after a scrape of a handle Instagram does not know removed the empty
    # tracked account it had made (docs/scraping.md "Not found"); the run stays
    # in the Scrapes list under target_username.
    target = models.ForeignKey(
        TrackedAccount, null=True, blank=True, on_delete=models.CASCADE, related_name="scrapes"
    )
    target_username = models.CharField(
        max_length=64, blank=True, help_text="The handle as it was when the scrape was created."
    )
    lists = models.CharField(max_length=10, choices=Lists.choices, default=Lists.BOTH)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.AUTO)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    use_private_login = models.BooleanField(default=True)
    # Ask Instagram again for the profile and the posts listings instead of using
    # its answers of the last day (scraping/services/answer_cache.py). The owner's
    # "Fresh data", `scrape --fresh`, and every nightly refresh.
    fresh = models.BooleanField(
        default=False, help_text="Ignore Instagram answers cached in the last day."
    )
    login = models.ForeignKey(
        LoginCredential, null=True, blank=True, on_delete=models.SET_NULL, related_name="scrapes"
    )
    client_used = models.CharField(max_length=20, blank=True)
    client_reason = models.CharField(max_length=255, blank=True)
    # Profile as resolved at the start of the run.
    profile_follower_count = models.PositiveBigIntegerField(null=True, blank=True)
    profile_following_count = models.PositiveBigIntegerField(null=True, blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.TextField(blank=True)
    # What the run noticed for the owner that is not an error (the target was renamed).
    note = models.TextField(blank=True)
    claimed_by = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # Consecutive transient failures (network, server errors); reset by a stored page.
    retries = models.PositiveSmallIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    resume_at = models.DateTimeField(
        null=True, blank=True, help_text="Not before: when a waiting or delayed scrape may run."
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            # Two scrapes of one target never run at once, whatever the code does.
            models.UniqueConstraint(
                fields=["target"],
                condition=Q(
                    status__in=["queued", "running", "waiting_rate_limit", "needs_attention"]
                ),
                name="one_active_scrape_per_target",
            )
        ]
        indexes = [models.Index(fields=["target", "-id"], name="scrape_target_recent")]

    def __str__(self) -> str:
        return f"Scrape #{self.pk} of @{self.handle} ({self.status})"

    @property
    def handle(self) -> str:
        """The target's current username, or the handle asked for when the
        target is gone (not found on Instagram)."""
        if self.target_id is not None and self.target is not None:
            return self.target.user.username
        return self.target_username

    @property
    def directions(self) -> list[int]:
        if self.lists == self.Lists.FOLLOWERS:
            return [Direction.FOLLOWER]
        if self.lists == self.Lists.FOLLOWING:
            return [Direction.FOLLOWING]
        if self.lists == self.Lists.NONE:
            return []
        return [Direction.FOLLOWER, Direction.FOLLOWING]

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def worker_stopped(self) -> bool:
        """Running, but its worker has not beaten for the stale time: it died
        (or hangs). The resumer re-queues exactly these (resume_stale_scrapes), so
        pages say "worker stopped, will resume" instead of a frozen "Running"."""
        # Imported here: the services package imports this module.
        from scraping.services.config import stale_seconds

        if self.status != self.Status.RUNNING or self.heartbeat_at is None:
            return False
        return timezone.now() - self.heartbeat_at > dt.timedelta(seconds=stale_seconds())

    @property
    def tone(self) -> str:
        """The colour of this scrape's status badge (a stopped worker is a warning)."""
        if self.worker_stopped:
            return "warn"
        return self.STATUS_TONES.get(self.status, "info")

    @property
    def duration(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class ScrapeList(models.Model):
    """Progress, checkpoint and completeness of one list within one scrape."""

    scrape = models.ForeignKey(Scrape, on_delete=models.CASCADE, related_name="parts")
    direction = models.PositiveSmallIntegerField(choices=Direction.choices)
    expected = models.PositiveBigIntegerField(null=True, blank=True)
    fetched = models.PositiveBigIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    cursor = models.TextField(blank=True)
    exhausted = models.BooleanField(default=False, help_text="The cursor ran out.")
    capped = models.BooleanField(default=False, help_text="Instagram flagged the list as limited.")
    complete = models.BooleanField(null=True, help_text="Judged at finalise; null before.")
    incomplete_reason = models.CharField(max_length=255, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scrape", "direction"], name="one_part_per_direction")
        ]

    def __str__(self) -> str:
        return f"{self.scrape_id}/{self.get_direction_display()}: {self.fetched}/{self.expected}"

    @property
    def noun(self) -> str:
        return "followers" if self.direction == Direction.FOLLOWER else "followed accounts"

    def plain_reason(self) -> str:
        """Why this list is incomplete, in the owner's words: what Instagram did
        and what igdash kept; "" for a complete or not yet judged list.

        The one place every incompleteness reason of the engine and the delta
        (`incomplete_reason`, the `capped` flag, the counts) becomes a sentence:
        pages and commands show this, never the internal text or flag names.
        A partial list adds the users it saw and ends nobody (delta.py), which is
        what every sentence ends with."""
        if self.complete is not False:
            return ""
        from scraping.instagram.errors import EmptyEdgesFailure

        fetched, noun = f"{self.fetched:,}", self.noun
        of = f" of {self.expected:,}" if self.expected is not None else ""
        kept = f"igdash kept the {fetched} it got and marked nobody lost."
        reason = self.incomplete_reason
        if self.capped:
            return (
                f"Instagram showed only {fetched}{of} {noun}, then stopped listing them "
                f"(it shortens long lists for some accounts and logins); {kept}"
            )
        if reason.startswith(EmptyEdgesFailure.default_message[:40]):
            counted = f" although the profile counts {self.expected:,}" if self.expected else ""
            return (
                f"Instagram answered an empty list of {noun}{counted}: a refusal, not an "
                f"account without {noun}; igdash marked nobody lost."
            )
        if "same cursor" in reason:
            return (
                f"Instagram sent the same page twice after {fetched}{of} {noun}, so igdash "
                f"stopped there; {kept}"
            )
        if self.exhausted and self.expected is not None:
            return (
                f"Instagram listed {fetched} {noun} but its profile counts {self.expected:,}: "
                f"too far apart to trust the list as whole; {kept}"
            )
        return f"The list of {noun} stopped after {fetched}{of}, before its end; {kept}"


class Relationship(models.Model):
    """An edge between a target and a user, as an interval of scrapes.

    first_seen: the scrape that first saw it. ended_by: the complete scrape that
    no longer saw it (null while active). last_seen: the last scrape known to have
    seen it, written when the interval closes (active rows are seen by every
    complete scrape since first_seen, so updating every row on every scrape would
    cost a write per follower per day for nothing).
    """

    # No index of its own on target: every index below starts with it.
    target = models.ForeignKey(
        TrackedAccount, on_delete=models.CASCADE, related_name="relationships", db_index=False
    )
    user = models.ForeignKey(IgUser, on_delete=models.CASCADE, related_name="relationships")
    direction = models.PositiveSmallIntegerField(choices=Direction.choices)
    # RESTRICT: deleting one old scrape must not silently erase the history it
    # recorded. Deleting the tracked account removes scrapes and edges together.
    first_seen = models.ForeignKey(Scrape, on_delete=models.RESTRICT, related_name="+")
    last_seen = models.ForeignKey(
        Scrape, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_by = models.ForeignKey(
        Scrape, null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["target", "user", "direction"],
                condition=Q(ended_by__isnull=True),
                name="one_active_relationship",
                violation_error_message="This user already has an active relationship "
                "with this target in this direction.",
            )
        ]
        indexes = [
            models.Index(fields=["target", "direction", "ended_by"], name="rel_target_active"),
            models.Index(fields=["target", "direction", "first_seen"], name="rel_target_new"),
        ]

    def __str__(self) -> str:
        state = "active" if self.ended_by_id is None else f"ended by #{self.ended_by_id}"
        return f"{self.user_id} {self.get_direction_display()} of {self.target_id} ({state})"


class ScrapeSeen(models.Model):
    """Staging: users seen by a scrape in progress, written page by page and
    emptied when the scrape finalises. The unique constraint de-duplicates
    overlapping pages and is the only index: it serves the reads by scrape, and
    a read by user (deleting or merging a user) scans the table, which is empty
    between scrapes and holds the running scrapes' users during them (a merge
    during a scrape, rare, then costs a few scans). Every index here is written
    200 times a page.

    Neither key is a database constraint (db_constraint=False): every row is
    written by INSERT ... SELECT from the users table inside the page's
    transaction, so it names a user that exists, and the deletes of a user or a
    scrape go through the ORM, which cascades here itself. As constraints they
    cost two row-locking checks a user at every page's commit, a fifth of a
    first scrape's ingest on PostgreSQL (docs/performance.md)."""

    scrape = models.ForeignKey(
        Scrape, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    direction = models.PositiveSmallIntegerField(choices=Direction.choices)
    user = models.ForeignKey(
        IgUser, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )

    class Meta:
        verbose_name = "user seen by a running scrape"
        constraints = [
            models.UniqueConstraint(
                fields=["scrape", "direction", "user"], name="seen_once_per_scrape"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.scrape_id} saw {self.user_id} ({self.get_direction_display()})"


class ScrapeStats(models.Model):
    """Figures of one finalised scrape, for timelines and charts."""

    scrape = models.OneToOneField(Scrape, on_delete=models.CASCADE, related_name="stats")
    target = models.ForeignKey(TrackedAccount, on_delete=models.CASCADE, related_name="stats")
    taken_at = models.DateTimeField()
    followers = models.PositiveBigIntegerField(null=True, blank=True)
    following = models.PositiveBigIntegerField(null=True, blank=True)
    new_followers = models.PositiveBigIntegerField(default=0)
    lost_followers = models.PositiveBigIntegerField(default=0)
    new_following = models.PositiveBigIntegerField(default=0)
    lost_following = models.PositiveBigIntegerField(default=0)
    mutuals = models.PositiveBigIntegerField(null=True, blank=True)
    not_following_back = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Accounts the target follows that do not follow it."
    )
    not_followed_back = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Followers the target does not follow."
    )

    class Meta:
        verbose_name_plural = "scrape statistics"
        ordering = ["target", "taken_at"]
        indexes = [models.Index(fields=["target", "taken_at"], name="stats_timeline")]

    def __str__(self) -> str:
        return f"Stats of scrape #{self.scrape_id}"


class RateLimitWindow(models.Model):
    """Limiter state for one (login, endpoint family): shared by every worker and
    kept across restarts. `blocked_until` is set when Instagram answers "wait"
    (Retry-After or backoff); `strikes` counts those answers for the backoff.
    scraping/ratelimit.py explains the rules."""

    key = models.CharField(max_length=80, help_text='"login:<id>" or "anonymous".')
    family = models.CharField(max_length=20)
    blocked_until = models.DateTimeField(null=True, blank=True)
    strikes = models.PositiveIntegerField(default=0)
    last_strike_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "family"], name="one_window_per_key_family")
        ]

    def __str__(self) -> str:
        return f"{self.key} / {self.family}"


class RateLimitEvent(models.Model):
    """One request let through by the limiter; events older than the window are
    pruned as new ones arrive."""

    window = models.ForeignKey(RateLimitWindow, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["window", "at"], name="ratelimit_window_at")]

    def __str__(self) -> str:
        return f"{self.window} at {self.at:%H:%M:%S}"
