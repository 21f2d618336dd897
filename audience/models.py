"""Comments of tracked accounts' posts, and the state of each post's comment
listing in a scrape (docs/audience.md)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from accounts_app.models import IgUser, TrackedAccount
from content.models import Post
from scraping.models import Scrape


class Comment(models.Model):
    """One comment or reply of a post, by one Instagram user (the same IgUser
    rows as followers: a commenter who follows is one person).

    first_seen / last_seen: the scrapes that first and last listed it.
    removed_by: the scrape whose complete listing of the post no longer had it;
    cleared when it shows again. `target` is copied from the post so the
    commenter figures are reads of the (target, author) index."""

    post = models.ForeignKey(
        # not "comments": Post.comments is the stored comment count
        Post,
        on_delete=models.CASCADE,
        related_name="ig_comments",
        db_index=False,
    )
    target = models.ForeignKey(
        TrackedAccount, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    ig_pk = models.BigIntegerField("Instagram comment pk")
    author = models.ForeignKey(IgUser, on_delete=models.CASCADE, related_name="comments")
    text = models.TextField(blank=True)
    created_at = models.DateTimeField()
    like_count = models.PositiveBigIntegerField(null=True, blank=True)
    parent_pk = models.BigIntegerField(
        null=True, blank=True, help_text="The Instagram pk of the comment it replies to."
    )
    first_seen = models.ForeignKey(Scrape, on_delete=models.RESTRICT, related_name="+")
    last_seen = models.ForeignKey(
        Scrape, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    removed_by = models.ForeignKey(
        Scrape, null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "ig_pk"], name="one_comment_per_post_pk")
        ]
        indexes = [
            # Covers the commenter aggregates (docs/audience.md "Cost").
            models.Index(
                fields=["target", "author", "post", "created_at"],
                condition=Q(removed_by__isnull=True),
                name="comment_live_author",
            ),
            models.Index(fields=["post", "created_at"], name="comment_post_created"),
        ]

    def __str__(self) -> str:
        return f"comment {self.ig_pk} on post {self.post_id}"

    @property
    def is_reply(self) -> bool:
        return self.parent_pk is not None


class CommentPart(models.Model):
    """The comments part of one scrape: the comments of the target's `posts`
    newest posts (listed by the scrape's content part), one PostComments
    checkpoint per post, and the verdict."""

    scrape = models.OneToOneField(Scrape, on_delete=models.CASCADE, related_name="comments_part")
    posts = models.PositiveIntegerField(default=12, help_text="The last N posts.")
    fetched = models.PositiveIntegerField(default=0, help_text="Comments listed.")
    new_comments = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    complete = models.BooleanField(null=True, help_text="Judged at finalise; null before.")
    incomplete_reason = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return f"comments of scrape #{self.scrape_id}"


class PostComments(models.Model):
    """One post's comment listing within a scrape: its checkpoint and verdict.

    mode full: the newest page, then older pages (max_id); mode newer: only the
    comments since the last complete listing (min_id, from its newest_cursor).
    A listing is complete only when Instagram said "no more" both ways, every
    reply thread was read to its end and it accounts for the answer's
    comment_count; else partial with the reason (docs/audience.md)."""

    class Mode(models.TextChoices):
        FULL = "full", "All comments"
        NEWER = "newer", "Newer comments only"

    class State(models.TextChoices):
        PENDING = "pending", "Listing"
        COMPLETE = "complete", "Complete"
        PARTIAL = "partial", "Partial"

    part = models.ForeignKey(CommentPart, on_delete=models.CASCADE, related_name="listings")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comment_listings")
    mode = models.CharField(max_length=5, choices=Mode.choices, default=Mode.FULL)
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    reason = models.CharField(max_length=255, blank=True)
    pages = models.PositiveIntegerField(default=0)
    fetched = models.PositiveIntegerField(default=0, help_text="Comments and replies listed.")
    expected = models.PositiveIntegerField(
        null=True, blank=True, help_text="The post's comment_count (replies included)."
    )
    cursor = models.TextField(blank=True, help_text="The next page to ask (checkpoint).")
    started = models.BooleanField(default=False, help_text="The first page was stored.")
    newest_cursor = models.TextField(
        blank=True, help_text="Instagram's min_id of the newest comment seen (for a re-run)."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["part", "post"], name="one_listing_per_part_post")
        ]
        indexes = [models.Index(fields=["post", "state"], name="postcomments_post_state")]

    def __str__(self) -> str:
        return f"comments of post {self.post_id} in part {self.part_id}: {self.state}"


class NightlyComments(models.Model):
    """The owner's switch "comments in the nightly refresh" of one tracked account
    (present means on)."""

    target = models.OneToOneField(
        TrackedAccount, on_delete=models.CASCADE, primary_key=True, related_name="nightly_comments"
    )
    since = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"nightly comments of {self.target_id}"


class AudienceAnalysis(models.Model):
    """One run of the picture classifier over an account's commenters: bucket
    counts only (never a label per person), with the provider, its version,
    the sample size and the date. `done` is the checkpoint: the commenters
    (by IgUser id, ascending) already classified; a killed run resumes there."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    target = models.ForeignKey(TrackedAccount, on_delete=models.CASCADE, related_name="+")
    provider = models.CharField(max_length=20)
    version = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0, help_text="Commenters to classify.")
    done = models.PositiveIntegerField(default=0, help_text="Commenters classified so far.")
    last_user_id = models.BigIntegerField(default=0, help_text="Checkpoint: the last IgUser id.")
    sample = models.PositiveIntegerField(default=0, help_text="Pictures classified.")
    faces = models.PositiveIntegerField(default=0)
    gender = models.JSONField(default=dict, help_text="Bucket counts, e.g. {'female': 12}.")
    age = models.JSONField(default=dict, help_text="Bucket counts by age range.")
    error = models.CharField(max_length=255, blank=True)

    class Meta:
        indexes = [models.Index(fields=["target", "-id"], name="analysis_target_latest")]

    def __str__(self) -> str:
        return f"{self.provider} analysis of {self.target_id}: {self.status}"


class AudienceSnapshot(models.Model):
    """The Audience tab's figures of one account (the commenters crossed with
    the follower history, the shares, the last posts' timelines) as computed
    for one version of the data (audience.pages._version: the latest finished
    scrape and the newest comment). Written by the worker after each scrape of
    the account (and by the first request that finds none), so the first look
    after a nightly scrape reads one row instead of aggregating every comment
    (audience/snapshot.py)."""

    target = models.OneToOneField(
        TrackedAccount, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    version = models.CharField(max_length=64)
    computed_at = models.DateTimeField(auto_now=True)
    data = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"audience figures of {self.target_id} ({self.version[:8]})"


class CloudClassifier(models.Model):
    """The owner's switch of the cloud picture classifier (Face++) and its API
    key and secret, sealed with the vault (`cloudclassifier:facepp:key`, a JSON
    object of both); never shown back. One row (pk 1) at most; no row: off."""

    enabled = models.BooleanField(default=False)
    key_enc = models.BinaryField(editable=False, blank=True, default=b"")
    saved_at = models.DateTimeField(null=True, blank=True, editable=False)

    AAD = "cloudclassifier:facepp:key"

    def __str__(self) -> str:
        return f"Face++ classifier: {'on' if self.enabled else 'off'}"

    @property
    def has_key(self) -> bool:
        return bool(self.key_enc)
