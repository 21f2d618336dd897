"""Login throttling: django-axes, with the password check counted before it runs.

django-axes keeps the failed attempts (AccessAttempt rows), the cool-off, the
admin list and the `axes_reset` command. Its own order is "read the failures,
check the password, then record the failure", so parallel wrong passwords all
read the same count and all get checked. Here the axes backend's "may this
client try?" is a reservation instead: in one serialised transaction it reads
the failures of the address and of the user name and, if both are under
LOGIN_MAX_FAILURES, counts this attempt as a failure before the password is
looked at. A right password then clears the count of its address
(AXES_RESET_ON_SUCCESS); a wrong one is already counted. So at most LOGIN_MAX_FAILURES passwords are
checked per address or user name and cool-off, however many arrive at once
(docs/decisions.md, "Login throttling: django-axes").
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db import router, transaction
from django.db.models import F, Max
from django.http import HttpRequest
from django.utils import timezone

from core.serial import LOGIN_ATTEMPTS, serialise

# The user name under which wrong vault passphrases are counted (igdash/vault_lock.py).
VAULT_PASSPHRASE_NAME = "(vault passphrase)"  # noqa: S105 (a label, not a secret)


def _normalise(value: object) -> str | None:
    # As AuthenticationForm's UsernameField: stripped, NFKC. A user name the form
    # would refuse (NUL, too long) never reaches authenticate(); it is not counted
    # under a name either (PostgreSQL refuses NUL in text).
    if not isinstance(value, str):
        return None
    value = unicodedata.normalize("NFKC", value.strip())
    if not value or "\x00" in value or len(value) > 150:
        return None
    return value


def username_of(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """AXES_USERNAME_CALLABLE: the user name from the credentials, else the form."""
    if credentials and credentials.get("username") is not None:
        return _normalise(credentials["username"])
    data = request.POST if request is not None and request.method == "POST" else {}
    return _normalise(data.get("username"))


def _serialise(using: str) -> None:
    """Make the read-then-count below one step for every process and thread
    (core/serial.py: SQLite's transactions are serial already; PostgreSQL takes
    an advisory lock, since rows that do not exist yet cannot be locked)."""
    serialise(LOGIN_ATTEMPTS, using)


class AxesHttpRequest(HttpRequest):
    """A request as django-axes hands it to its handler: AxesProxyHandler's
    update_request() has set these (a type only, for mypy)."""

    axes_ip_address: str
    axes_user_agent: str
    axes_http_accept: str
    axes_path_info: str
    axes_attempt_time: datetime
    axes_failures_since_start: int
    axes_locked_out: bool
    axes_credentials: dict[str, Any] | None
    igdash_attempt_counted: bool


class AtomicAxesHandler(AxesDatabaseHandler):
    """AXES_HANDLER: axes' database handler with a counted-before-checked attempt."""

    def is_allowed(
        self, request: AxesHttpRequest, credentials: dict[str, Any] | None = None
    ) -> bool:
        # Called by the axes backend right before the password backends.
        if self.is_blacklisted(request, credentials):
            return False
        if self.is_whitelisted(request, credentials):
            return True
        return self.reserve(request, credentials)

    def reserve(self, request: AxesHttpRequest, credentials: dict[str, Any] | None) -> bool:
        """Count this attempt as a failure unless the client is locked out already."""
        using = router.db_for_write(AccessAttempt)
        self.clean_expired_user_attempts(request, credentials)
        with transaction.atomic(using=using):
            _serialise(using)
            if self.is_locked(request, credentials):
                return False
            self._count(request, credentials)
        request.igdash_attempt_counted = True
        return True

    def _count(self, request: AxesHttpRequest, credentials: dict[str, Any] | None) -> None:
        username = get_client_username(request, credentials)
        attempt, created = AccessAttempt.objects.get_or_create(
            username=username,
            ip_address=request.axes_ip_address,
            user_agent=request.axes_user_agent,
            defaults={
                # Form data is not kept: nothing in it helps the owner, and the
                # less of an attacker's input is stored the better.
                "get_data": "",
                "post_data": "",
                "http_accept": request.axes_http_accept,
                "path_info": request.axes_path_info,
                "failures_since_start": 1,
                "attempt_time": request.axes_attempt_time,
            },
        )
        if not created:
            AccessAttempt.objects.filter(pk=attempt.pk).update(
                failures_since_start=F("failures_since_start") + 1,
                attempt_time=request.axes_attempt_time,
                path_info=request.axes_path_info,
            )

    def reset_user_attempts(
        self, request: AxesHttpRequest, credentials: dict[str, Any] | None = None
    ) -> int:
        """After a right password (AXES_RESET_ON_SUCCESS): forget this address's
        failures only. axes would also forget every address's failures for the
        user name, giving a guesser elsewhere a fresh budget at each owner login."""
        count, _ = AccessAttempt.objects.filter(ip_address=request.axes_ip_address).delete()
        return count

    def user_login_failed(
        self,
        sender: Any,
        credentials: dict[str, Any],
        request: AxesHttpRequest | None = None,
        **kw: Any,
    ) -> None:
        if request is None or not getattr(request, "igdash_attempt_counted", False):
            # Not reserved: refused while locked out (axes records nothing then).
            super().user_login_failed(sender, credentials, request, **kw)
            return
        # Counted already; say so at once if this failure reached the limit.
        failures = self.get_failures(request, credentials)
        request.axes_failures_since_start = failures
        if failures >= get_failure_limit(request, credentials):
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
            )


class LoginThrottleBackend(AxesStandaloneBackend):
    """First of AUTHENTICATION_BACKENDS: refuses (PermissionDenied) a locked-out
    client before any password backend runs, and counts the attempt otherwise.

    Calls without a request (the shell, the test client's login()) have no client
    to throttle and pass to the password backends; every web login passes its
    request (LoginView, the admin)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


@dataclass(frozen=True)
class Lockout:
    remaining: timedelta

    @property
    def minutes(self) -> int:
        return max(1, -(-int(self.remaining.total_seconds()) // 60))


def lockout_of(request: HttpRequest, username: str | None) -> Lockout | None:
    """Whether this client or user name is locked out now, and for how long.
    Reads only: nothing is counted, no password is looked at."""
    credentials = {"username": username}
    if not AxesProxyHandler.is_locked(request, credentials):
        return None
    handler = AxesProxyHandler.get_implementation()
    newest = None
    for attempts in handler.get_user_attempts(request, credentials):
        latest = attempts.aggregate(latest=Max("attempt_time"))["latest"]
        if latest and (newest is None or latest > newest):
            newest = latest
    cool_off = get_cool_off(request) or timedelta(0)
    remaining = (newest + cool_off - timezone.now()) if newest else cool_off
    return Lockout(max(remaining, timedelta(0)))


def reserve(request: HttpRequest, username: str) -> Lockout | None:
    """For secrets checked outside authenticate() (the vault passphrase): count
    the attempt before checking, or say the client is locked out."""
    AxesProxyHandler.update_request(request)
    handler = AxesProxyHandler.get_implementation()
    if handler.reserve(request, {"username": username}):
        return None
    return lockout_of(request, username) or Lockout(timedelta(0))


def succeeded(request: HttpRequest, username: str) -> None:
    """The secret was right: forget this address's failures."""
    AxesProxyHandler.update_request(request)
    AxesProxyHandler.get_implementation().reset_user_attempts(request, {"username": username})


def unlock_everyone() -> int:
    """Forget every failed attempt (`igdash unlock_owner`); returns how many rows."""
    return AxesProxyHandler.reset_attempts()


def failure_limit(request: HttpRequest | None, credentials: dict[str, Any] | None) -> int:
    """AXES_FAILURE_LIMIT, read at each call so tests and the settings stay one value."""
    return int(settings.LOGIN_MAX_FAILURES)


def cool_off(request: HttpRequest | None = None) -> timedelta:
    """AXES_COOLOFF_TIME: a lockout ends this long after the last counted failure."""
    return timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
