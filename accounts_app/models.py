"""Instagram identities: every user ever seen, the targets the owner tracks, and
the owner's Instagram logins."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class IgUser(models.Model):
    """One Instagram user, stored once and shared by every target.

    ig_pk is Instagram's permanent 64-bit id; it stays null for users known only
    by username (an import of Instagram's data export) until a scrape learns it.
    Usernames change and can be reused, so they are indexed but not unique; the
    one index is (username, id), which serves lookups by username and the keyset
    order alike (a second, username-only index cost a first scrape ~25%).
    """

    ig_pk = models.BigIntegerField("Instagram pk", unique=True, null=True, blank=True)
    username = models.CharField(max_length=64)
    full_name = models.CharField(max_length=255, blank=True)
    profile_pic_url = models.TextField(blank=True)
    is_verified = models.BooleanField(default=False)
    is_private = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "Instagram user"
        ordering = ["username"]
        indexes = [models.Index(fields=["username", "id"], name="iguser_username_id")]

    def __str__(self) -> str:
        return f"@{self.username}"

    @property
    def instagram_url(self) -> str:
        return f"https://www.instagram.com/{self.username}/"


class TrackedAccount(models.Model):
    """A handle the owner follows over time. Latest counts are copied here when a
    scrape finalises so lists of accounts never count relationships per request."""

    user = models.OneToOneField(IgUser, on_delete=models.PROTECT, related_name="tracked")
    bookmarked = models.BooleanField(
        default=False, help_text="Refreshed by the nightly scrape of bookmarked accounts."
    )
    notes = models.TextField(blank=True)
    follower_count = models.PositiveBigIntegerField(null=True, blank=True)
    following_count = models.PositiveBigIntegerField(null=True, blank=True)
    last_scraped_at = models.DateTimeField(null=True, blank=True)
    last_scrape = models.ForeignKey(
        "scraping.Scrape", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["user__username"]
        indexes = [models.Index(fields=["bookmarked"], name="tracked_bookmarked")]

    def __str__(self) -> str:
        return str(self.user)


class LoginCredential(models.Model):
    """An Instagram login of the owner's, used to list followers.

    The *_enc fields hold ciphertext only (AES-256-GCM, see the security docs);
    nothing in clear is ever stored here.
    """

    class Status(models.TextChoices):
        UNCHECKED = "unchecked", "Not checked yet"
        OK = "ok", "OK"
        NEEDS_2FA = "needs_2fa", "Needs a 2FA code"
        CHALLENGE = "challenge", "Challenge: confirm it in the Instagram app"
        BAD_PASSWORD = "bad_password", "Wrong password"
        RATE_LIMITED = "rate_limited", "Rate limited"
        LOCKED = "locked", "Locked until the passphrase is entered"
        LOGGED_OUT = "logged_out", "Logged out by Instagram"
        FEEDBACK = "feedback", "Blocked by Instagram (feedback required)"

    username = models.CharField(max_length=64, unique=True)
    ig_pk = models.BigIntegerField(null=True, blank=True)
    password_enc = models.BinaryField(null=True, blank=True, editable=False)
    session_enc = models.BinaryField(null=True, blank=True, editable=False)
    sessionid_enc = models.BinaryField(null=True, blank=True, editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UNCHECKED)
    status_message = models.TextField(blank=True)
    challenge_url = models.TextField(blank=True)
    two_factor_identifier = models.CharField(max_length=255, blank=True, editable=False)
    # The login's own proxy: its address carries the proxy's password, so it is
    # sealed like one (accounts_app/proxies.py); pages show proxy_hint only.
    proxy_enc = models.BinaryField(null=True, blank=True, editable=False)
    proxy_hint = models.CharField(
        "proxy",
        max_length=500,
        blank=True,
        editable=False,
        help_text="The login's own proxy with its user and password masked.",
    )
    proxy_unsealed = models.CharField(
        max_length=500,
        blank=True,
        editable=False,
        help_text="Stored in clear by an older igdash, sealed at the next unlock.",
    )
    is_active = models.BooleanField(default=True)
    cooldown_until = models.DateTimeField(null=True, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "Instagram login"
        ordering = ["username"]

    def __str__(self) -> str:
        return f"{self.username} ({self.get_status_display()})"

    @property
    def has_secret(self) -> bool:
        return bool(self.password_enc or self.session_enc or self.sessionid_enc)

    @property
    def has_proxy(self) -> bool:
        return bool(self.proxy_enc or self.proxy_unsealed)
