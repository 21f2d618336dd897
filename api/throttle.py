"""Failed token attempts count like failed logins (docs/security.md).

A wrong, revoked or expired token is recorded as a failed attempt of the
client's address in django-axes' table, under the name "(api token)", beside
the address's wrong passwords and vault passphrases. When the address has
LOGIN_MAX_FAILURES failures within LOGIN_LOCKOUT_MINUTES, every API request
from it answers 429 with Retry-After, before its token is looked at (no
oracle while locked out), and so does the login page (axes counts the same
rows). Unlike the login, the API locks by address only: a token cannot be
guessed (256 random bits), so a lock on the name would only let anyone on the
tailnet shut every script out.

The address is the one the allowlist judged: axes asks settings'
AXES_CLIENT_IP_CALLABLE (trusted proxies only)."""

from __future__ import annotations

import datetime as dt
import math

from axes.helpers import get_client_ip_address, get_client_user_agent
from axes.models import AccessAttempt
from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Sum
from django.http import HttpRequest
from django.utils import timezone

FAILURE_NAME = "(api token)"


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def address_of(request: HttpRequest) -> str:
    return get_client_ip_address(request) or "?"


def locked_for(request: HttpRequest) -> int | None:
    """Seconds until the address may try again, or None when it may now."""
    since = timezone.now() - _window()
    figures = AccessAttempt.objects.filter(
        ip_address=address_of(request), attempt_time__gte=since
    ).aggregate(failures=Sum("failures_since_start"), latest=Max("attempt_time"))
    if (figures["failures"] or 0) < settings.LOGIN_MAX_FAILURES:
        return None
    remaining = figures["latest"] + _window() - timezone.now()
    return max(1, math.ceil(remaining.total_seconds()))


def count_failure(request: HttpRequest) -> None:
    now = timezone.now()
    address = address_of(request)
    agent = get_client_user_agent(request)[:255]
    with transaction.atomic():
        # As axes does before it counts: failures older than the window are gone.
        AccessAttempt.objects.filter(ip_address=address, attempt_time__lt=now - _window()).delete()
        attempt, created = AccessAttempt.objects.get_or_create(
            username=FAILURE_NAME,
            ip_address=address,
            user_agent=agent,
            defaults={
                "get_data": "",
                "post_data": "",
                "http_accept": request.META.get("HTTP_ACCEPT", "")[:1025],
                "path_info": request.path[:255],
                "failures_since_start": 1,
                "attempt_time": now,
            },
        )
        if not created:
            AccessAttempt.objects.filter(pk=attempt.pk).update(
                failures_since_start=F("failures_since_start") + 1,
                attempt_time=now,
                path_info=request.path[:255],
            )
