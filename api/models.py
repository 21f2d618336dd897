"""Personal access tokens of the JSON API (docs/api.md).

Only a SHA-256 of each token is stored: a token is 32 random bytes, so a hash
without salt or stretching is as strong as the token (nobody can guess a
preimage), and the lookup is one index read per request."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone


class ApiToken(models.Model):
    class Scope(models.TextChoices):
        READ = "read", "Read"
        WRITE = "write", "Read and write"

    name = models.CharField(max_length=64, unique=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters of the token ("igd_ab12"), so the owner can tell
    # which one a script holds; 8 of 43 random characters give nothing away.
    prefix = models.CharField(max_length=12, editable=False)
    scope = models.CharField(max_length=5, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API token"
        ordering = ["name"]

    def __str__(self) -> str:
        return f"API token {self.name} ({self.scope})"

    @property
    def may_write(self) -> bool:
        return self.scope == self.Scope.WRITE

    def state(self, now: dt.datetime | None = None) -> str:
        """active, expired or revoked."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= (now or timezone.now()):
            return "expired"
        return "active"
