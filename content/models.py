"""Posts and reels of tracked accounts, and their metrics as intervals of scrapes.

The same idea as scraping's Relationship (docs/data-model.md): a metrics row
lasts from the scrape that first saw its values until the scrape that saw other
values, so 30 nightly refreshes of 10,000 posts where 1% change a day cost
10,000 + 30 x 100 rows, not 300,000. docs/content-analytics.md defines the
figures computed from them.
"""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

from django.db import models
from django.db.models import Q

from accounts_app.models import TrackedAccount
from scraping.models import Scrape


class ProductType(models.TextChoices):
    FEED = "feed", "Post"
    CAROUSEL = "carousel", "Carousel"
    CLIPS = "clips", "Reel"
    IGTV = "igtv", "IGTV video"


class Post(models.Model):
    """One post or reel as it appears on one tracked account's profile.

    Keyed by (target, Instagram media pk): a collab post shows on the profile of
    each of its authors, and when two of them are tracked each profile keeps its
    own row (removed from one profile, still on the other). `owner_pk` is the
    author Instagram names, who differs from the target for a coauthor's collab.

    first_seen: the scrape that first listed it. last_seen: the last scrape that
    listed it (written on every sighting: a windowed or nightly listing sees only
    recent posts, so "seen by every complete scrape since" does not hold here as
    it does for relationships). removed_by: the complete listing whose window
    held the post's date and no longer had it; cleared if it comes back
    (unarchived)."""

    # No index of its own on target: every index below starts with it.
    target = models.ForeignKey(
        TrackedAccount, on_delete=models.CASCADE, related_name="posts", db_index=False
    )
    ig_pk = models.BigIntegerField("Instagram media pk")
    shortcode = models.CharField(max_length=64)
    owner_pk = models.BigIntegerField("author's Instagram pk", null=True, blank=True)
    product_type = models.CharField(max_length=10, choices=ProductType.choices)
    media_type = models.PositiveSmallIntegerField(help_text="1 photo, 2 video, 8 carousel.")
    taken_at = models.DateTimeField()
    caption = models.TextField(blank=True)
    duration = models.FloatField(null=True, blank=True, help_text="Seconds; null for photos.")
    coauthors = models.JSONField(default=list, blank=True, help_text="Usernames, in order.")
    thumbnail_url = models.TextField(blank=True, help_text="Instagram's (signed, expiring) URL.")
    thumbnail = models.CharField(
        max_length=255, blank=True, help_text="The cached copy, relative to MEDIA_ROOT."
    )
    # RESTRICT as on Relationship: deleting one old scrape must not erase the
    # history it recorded; deleting the tracked account removes both together.
    first_seen = models.ForeignKey(Scrape, on_delete=models.RESTRICT, related_name="+")
    last_seen = models.ForeignKey(
        Scrape, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    removed_by = models.ForeignKey(
        Scrape, null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )
    # The current figures, stored so that the Content tab sorts and pages in the
    # database (content/stored.py writes them after every scrape of the target;
    # docs/content-analytics.md "Stored figures"). Null: unknown, never 0.
    likes = models.PositiveBigIntegerField(null=True, blank=True)
    comments = models.PositiveBigIntegerField(null=True, blank=True)
    plays = models.PositiveBigIntegerField(null=True, blank=True)
    views = models.PositiveBigIntegerField(null=True, blank=True)
    followers = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The follower count the rate divides by."
    )
    # db_default: the page store inserts posts with plain SQL (content/store.py).
    followers_estimated = models.BooleanField(
        default=False,
        db_default=False,
        help_text="No igdash count at or before taken_at: the nearest one.",
    )
    rate = models.FloatField(
        null=True, blank=True, help_text="(likes + comments) / followers x 100; null: unknown."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["target", "ig_pk"], name="one_post_per_target_pk")
        ]
        # One index a sortable column of the Content tab (each ends in the row
        # id, the keyset's tie-break).
        indexes = [
            models.Index(fields=["target", "taken_at"], name="post_target_taken"),
            models.Index(fields=["target", "likes"], name="post_target_likes"),
            models.Index(fields=["target", "comments"], name="post_target_comments"),
            # With the type and removal: the median plays is a covered count.
            models.Index(
                fields=["target", "plays", "product_type", "removed_by"], name="post_target_plays"
            ),
            models.Index(fields=["target", "rate"], name="post_target_rate"),
            # Covers the cards' counts of posts and reels (no read of the rows).
            models.Index(fields=["target", "removed_by", "product_type"], name="post_target_live"),
        ]

    def __str__(self) -> str:
        return f"{self.get_product_type_display()} {self.shortcode} of {self.target_id}"

    @property
    def instagram_url(self) -> str:
        kind = "reel" if self.product_type == ProductType.CLIPS else "p"
        return f"https://www.instagram.com/{kind}/{self.shortcode}/"

    @property
    def is_reel(self) -> bool:
        return self.product_type == ProductType.CLIPS


class TagKind(models.IntegerChoices):
    HASHTAG = 1, "hashtag"
    MENTION = 2, "mention"


class PostTag(models.Model):
    """A hashtag or mention of a post's caption (lowercase, without # or @).

    A table rather than a JSON list so that "posts with #tag" and the hashtag
    tables are index reads: `target` is copied from the post for the
    (target, kind, tag) index."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="tags", db_index=False)
    target = models.ForeignKey(
        TrackedAccount, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    kind = models.PositiveSmallIntegerField(choices=TagKind.choices)
    tag = models.CharField(max_length=150)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "kind", "tag"], name="one_tag_per_post")
        ]
        indexes = [models.Index(fields=["target", "kind", "tag"], name="posttag_target_tag")]

    def __str__(self) -> str:
        return f"{'#' if self.kind == TagKind.HASHTAG else '@'}{self.tag}"


class PostMetrics(models.Model):
    """A post's counts as an interval: seen first by `first_seen`, replaced by
    other values at `ended_by` (null: the current, or last known, values).

    Every count is nullable and null means unknown (hidden likes, a play count
    the answer did not carry), never 0. A removed post keeps its last row open:
    those were its last known values."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="metrics", db_index=False)
    likes = models.PositiveBigIntegerField(null=True, blank=True)
    comments = models.PositiveBigIntegerField(null=True, blank=True)
    plays = models.PositiveBigIntegerField(null=True, blank=True)
    ig_plays = models.PositiveBigIntegerField(null=True, blank=True)
    views = models.PositiveBigIntegerField(null=True, blank=True)
    first_seen = models.ForeignKey(Scrape, on_delete=models.RESTRICT, related_name="+")
    ended_by = models.ForeignKey(
        Scrape, null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )

    FIELDS = ("likes", "comments", "plays", "ig_plays", "views")

    class Meta:
        verbose_name_plural = "post metrics"
        constraints = [
            models.UniqueConstraint(
                fields=["post"],
                condition=Q(ended_by__isnull=True),
                name="one_open_metrics_per_post",
            )
        ]
        indexes = [models.Index(fields=["post", "first_seen"], name="postmetrics_curve")]

    def __str__(self) -> str:
        state = "current" if self.ended_by_id is None else f"ended by #{self.ended_by_id}"
        return f"metrics of post {self.post_id} from #{self.first_seen_id} ({state})"


class Listing(models.TextChoices):
    """Instagram's two listings of a profile's media: the grid (posts,
    carousels, reels shared to the grid) and the reels tab (every reel)."""

    FEED = "feed", "Posts"
    CLIPS = "clips", "Reels"


class ListingState(TypedDict):
    """One listing's progress within a content part (ContentPart.state)."""

    pages: int
    items: int
    cursor: str
    exhausted: bool
    frontier: dt.datetime | None


class ContentPart(models.Model):
    """The content part of one scrape: what was asked, how far each listing got
    (its checkpoint), and the completeness verdict. A runner stores each page
    with content.store.store_page, which advances the listing's cursor in the
    page's own transaction: after a crash it resumes from `<listing>_cursor`.

    Window: `mode` all, the last `limit` posts, or those since `since`. A
    windowed listing is complete only for the dates it covered (the posts newer
    than its frontier), so content.store.finalise never marks an older post
    removed (docs/content-analytics.md "Removed posts")."""

    class Mode(models.TextChoices):
        ALL = "all", "All posts"
        LAST = "last", "The last N posts"
        SINCE = "since", "Posts since a date"

    scrape = models.OneToOneField(Scrape, on_delete=models.CASCADE, related_name="content")
    mode = models.CharField(max_length=5, choices=Mode.choices, default=Mode.ALL)
    limit = models.PositiveIntegerField(
        null=True, blank=True, help_text="N of mode last, for each listing asked for."
    )
    since = models.DateTimeField(null=True, blank=True, help_text="The date of mode since.")
    list_feed = models.BooleanField(default=True, help_text="List the grid.")
    list_clips = models.BooleanField(default=True, help_text="List the reels tab.")
    fetched = models.PositiveIntegerField(default=0, help_text="Distinct posts this scrape saw.")
    new_posts = models.PositiveIntegerField(default=0, help_text="Posts seen for the first time.")
    removed = models.PositiveIntegerField(default=0, help_text="Posts it marked removed.")
    # Per listing: pages stored, items received in listing order (the position,
    # repeats included), the checkpoint, whether the cursor ran out, and the
    # frontier: the date of the last item listed past the pinned head.
    feed_pages = models.PositiveIntegerField(default=0)
    feed_items = models.PositiveIntegerField(default=0)
    feed_cursor = models.TextField(blank=True)
    feed_exhausted = models.BooleanField(default=False)
    feed_frontier = models.DateTimeField(null=True, blank=True)
    clips_pages = models.PositiveIntegerField(default=0)
    clips_items = models.PositiveIntegerField(default=0)
    clips_cursor = models.TextField(blank=True)
    clips_exhausted = models.BooleanField(default=False)
    clips_frontier = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(
        null=True, blank=True, help_text="When its first page was asked for (the time left)."
    )
    # The play-count fetch (the owner's setting when the scrape was created): after
    # the listings, media info of each reel they left without a play count, in
    # descending pk order; info_cursor is the last pk asked for (its checkpoint).
    fetch_plays = models.BooleanField(
        default=False, help_text="Ask media info for reels listed without a play count."
    )
    info_cursor = models.BigIntegerField(null=True, blank=True)
    info_fetched = models.PositiveIntegerField(
        default=0, help_text="Media info requests answered (play counts asked for)."
    )
    complete = models.BooleanField(null=True, help_text="Judged at finalise; null before.")
    incomplete_reason = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return f"content of scrape #{self.scrape_id}: {self.fetched} posts"

    @property
    def listings(self) -> list[str]:
        wanted = [(self.list_feed, Listing.FEED), (self.list_clips, Listing.CLIPS)]
        return [listing for on, listing in wanted if on]

    def state(self, listing: str) -> ListingState:
        """One listing's progress fields, by their short names."""
        return ListingState(
            pages=getattr(self, f"{listing}_pages"),
            items=getattr(self, f"{listing}_items"),
            cursor=getattr(self, f"{listing}_cursor"),
            exhausted=getattr(self, f"{listing}_exhausted"),
            frontier=getattr(self, f"{listing}_frontier"),
        )


class NightlyContent(models.Model):
    """The owner's switch "posts and reels in the nightly refresh" of one tracked
    account (the row is the switch: present means on). The nightly refresh of a
    bookmarked account with it lists the posts of the last
    CONTENT_NIGHTLY_WINDOW_DAYS days (new posts and fresh metrics for young ones)."""

    target = models.OneToOneField(
        TrackedAccount, on_delete=models.CASCADE, primary_key=True, related_name="nightly_content"
    )
    since = models.DateTimeField(auto_now_add=True, help_text="When the owner switched it on.")

    def __str__(self) -> str:
        return f"nightly content of {self.target_id}"


class AnalyticsSnapshot(models.Model):
    """The Content tab's analytics blocks of one tracked account as figures
    (trends, tag tables, top posts, grid, reels), computed from the stored
    post figures whenever those are refreshed (content/snapshot.py), so the
    tab's second request reads one row instead of every post. `time_zone`: the
    zone the trends and the grid were cut in; another zone recomputes them."""

    target = models.OneToOneField(
        TrackedAccount, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    computed_at = models.DateTimeField(auto_now=True)
    time_zone = models.CharField(max_length=64)
    data = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"analytics of {self.target_id} at {self.computed_at:%Y-%m-%d %H:%M}"
