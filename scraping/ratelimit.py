"""The request limiter every Instagram client calls before each HTTP request.

Rules (docs/scraping.md, "Rate limiting"):
- One sliding window per (login, endpoint family): at most `limit` requests in any
  `window` seconds. Defaults come from AppSettings (the Settings page), each
  overridable by an environment variable (.env.example, Instagram section).
- Instagram's own "wait" (429, Retry-After) closes the window of that login and
  family until Retry-After, or an exponential backoff with jitter when Instagram
  gives no time.
- While the limiter knows a window is closed no request is sent: a wait shorter
  than IGDASH_RATE_INLINE_WAIT is slept, anything longer raises WindowClosed (a
  RateLimited) so the scrape parks in waiting_rate_limit instead of holding a
  worker for minutes.
- Before each request a random pause (exponential, mean and cap configurable;
  IGDASH_PACING=off disables it, the windows stay).
- IGDASH_RATE_LIMITS=off (settings.RATE_LIMITS) turns the windows AND the pauses
  off: for the simulator, never for the real Instagram. Instagram's own "wait"
  still closes a window.

State lives in the database (RateLimitWindow, RateLimitEvent), so every worker
shares it and a restart forgets nothing. Check-and-record runs in one
transaction holding the window's row lock (SQLite: the IMMEDIATE write lock).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.models import AppSettings
from scraping.instagram.errors import RateLimited
from scraping.models import RateLimitEvent, RateLimitWindow

FAMILIES = ("web_api", "graphql", "mobile_api")
ANONYMOUS = "anonymous"


# Instagram counts a request when it arrives, the limiter when it is sent. The
# time between the two varies (a proxy, a busy machine): the first request of a
# window may arrive late and the last early, and Instagram would see one request
# more in its window than the limiter did. So a window is kept this much longer
# than its setting (the scale benchmark counted 151 of 150 arrivals in a 30 s
# window without it; docs/scraping.md "Rate limiting").
TRANSIT_GUARD_S = 1.0


class WindowClosed(RateLimited):
    """Raised by the limiter itself: nothing was sent to Instagram."""


@dataclass(frozen=True)
class Window:
    limit: int  # 0 = no window for this family
    seconds: float


# Each Settings slider and the environment variable that overrides it.
OVERRIDE_VARS: dict[str, str] = {
    **{
        f"{family}_{what}": f"IGDASH_RATE_{family.upper()}_{var}"
        for family in FAMILIES
        for what, var in (("limit", "LIMIT"), ("window_seconds", "WINDOW"))
    },
    "jitter_mean_seconds": "IGDASH_JITTER_MEAN",
    "jitter_max_seconds": "IGDASH_JITTER_MAX",
    "backoff_base_seconds": "IGDASH_BACKOFF_BASE",
    "backoff_max_seconds": "IGDASH_BACKOFF_MAX",
}
_JITTER_FIELDS = ("jitter_mean_seconds", "jitter_max_seconds")


def overridden_sliders() -> dict[str, str]:
    """The sliders the environment overrides, each with the `VARIABLE=value`
    that wins over it (for the Settings page: a slider that does nothing must
    say so). IGDASH_RATE_LIMITS=off wins over every window and pause,
    IGDASH_PACING=off over the pauses, then each slider's own variable."""
    found: dict[str, str] = {}
    for field, var in OVERRIDE_VARS.items():
        value = getattr(settings, var.removeprefix("IGDASH_"))
        if value is not None:
            found[field] = f"{var}={value:g}"
    if not settings.PACING:
        found.update(dict.fromkeys(_JITTER_FIELDS, "IGDASH_PACING=off"))
    if not settings.RATE_LIMITS:
        for field in OVERRIDE_VARS:
            if not field.startswith("backoff_"):
                found[field] = "IGDASH_RATE_LIMITS=off"
    return found


@dataclass(frozen=True)
class Limits:
    windows: dict[str, Window]
    jitter_mean: float
    jitter_max: float
    pacing: bool
    backoff_base: float
    backoff_max: float
    inline_wait: float

    @classmethod
    def load(cls) -> Limits:
        """AppSettings, with the environment (read by settings.py) winning where a
        variable is set. With IGDASH_RATE_LIMITS=off no family has a window and
        nothing pauses."""
        app = AppSettings.load()
        enforced = settings.RATE_LIMITS
        windows = {}
        for family in FAMILIES:
            name = family.upper()
            windows[family] = Window(
                _pick(f"RATE_{name}_LIMIT", getattr(app, f"{family}_limit")) if enforced else 0,
                _pick(f"RATE_{name}_WINDOW", getattr(app, f"{family}_window_seconds")),
            )
        return cls(
            windows=windows,
            jitter_mean=_pick("JITTER_MEAN", app.jitter_mean_seconds),
            jitter_max=_pick("JITTER_MAX", app.jitter_max_seconds),
            pacing=enforced and settings.PACING,
            backoff_base=_pick("BACKOFF_BASE", app.backoff_base_seconds),
            backoff_max=_pick("BACKOFF_MAX", app.backoff_max_seconds),
            inline_wait=settings.RATE_INLINE_WAIT,
        )


def _pick(setting: str, page_value: Any) -> Any:
    """The setting when the environment set it (not None), else the Settings page's."""
    value = getattr(settings, setting)
    return page_value if value is None else value


def login_key(login_id: int | None) -> str:
    return f"login:{login_id}" if login_id else ANONYMOUS


class RateLimiter:
    """The pacer of one client: `limiter(family)` before every request.

    `last_family` remembers the family of the latest request, so that when
    Instagram answers 429 the engine can close the right window (penalise()).
    """

    def __init__(
        self,
        key: str,
        limits: Limits | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.key = key
        self.limits = limits or Limits.load()
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.last_family: str | None = None
        self.requests = 0

    def __call__(self, family: str) -> None:
        self.last_family = family
        self.sleep(self.jitter())
        while True:
            wait = self.try_acquire(family)
            if wait is None:
                self.requests += 1
                return
            if wait > self.limits.inline_wait:
                raise WindowClosed(
                    f"The {family} window of this login is closed for {wait:.0f} s more.",
                    retry_after=wait,
                )
            self.sleep(wait)

    def jitter(self) -> float:
        mean = self.limits.jitter_mean
        if not self.limits.pacing or mean <= 0:
            return 0.0
        return min(self.rng.expovariate(1.0 / mean), self.limits.jitter_max)

    def try_acquire(self, family: str) -> float | None:
        """Record one request and return None, or return the seconds until the
        window opens (nothing recorded)."""
        window_conf = self.limits.windows.get(family, Window(0, 0))
        now = timezone.now()
        if window_conf.limit <= 0:
            # No window to count in: only Instagram's own "wait" can hold the
            # request back, and reading it needs neither the write lock nor a row.
            blocked = _blocked_until(self.key, family, now)
            return (blocked - now).total_seconds() if blocked else None
        with transaction.atomic():
            window = _locked_window(self.key, family)
            # The time is read once the lock is held: a request that waited for
            # another worker's turn is sent now, and recorded now.
            now = timezone.now()
            if window.blocked_until and window.blocked_until > now:
                return (window.blocked_until - now).total_seconds()
            span = dt.timedelta(seconds=window_conf.seconds + TRANSIT_GUARD_S)
            RateLimitEvent.objects.filter(window=window, at__lte=now - span).delete()
            nth_newest = (
                RateLimitEvent.objects.filter(window=window)
                .order_by("-at")
                .values_list("at", flat=True)[window_conf.limit - 1 : window_conf.limit]
            )
            for at in nth_newest:  # the window is full: it opens when this one ages out
                return max((at + span - now).total_seconds(), 0.001)
            RateLimitEvent.objects.create(window=window, at=now)
        return None

    def penalise(self, retry_after: float | None, family: str | None = None) -> dt.datetime:
        """Instagram said "wait": close the window and return when it reopens."""
        family = family or self.last_family or FAMILIES[0]
        now = timezone.now()
        with transaction.atomic():
            window = _locked_window(self.key, family)
            recent = window.last_strike_at and (now - window.last_strike_at).total_seconds() < (
                2 * self.limits.backoff_max
            )
            window.strikes = window.strikes + 1 if recent else 1
            wait = retry_after if retry_after else self.backoff(window.strikes)
            until = now + dt.timedelta(seconds=wait)
            if window.blocked_until is None or window.blocked_until < until:
                window.blocked_until = until
            window.last_strike_at = now
            window.save(update_fields=["strikes", "blocked_until", "last_strike_at"])
            return window.blocked_until

    def backoff(self, strikes: int) -> float:
        """base * 2^(strikes-1), capped, plus up to 10% random spread so several
        workers do not come back in the same second."""
        base = min(self.limits.backoff_base * 2 ** max(strikes - 1, 0), self.limits.backoff_max)
        return base * (1 + 0.1 * self.rng.random())


def prune_events(now: dt.datetime | None = None) -> int:
    """Delete the events no window can count any more (older than the longest
    configured window; all of them when every window is off); returns how many.
    Windows prune their own events as requests arrive, but a window that stops
    being used (a removed login, a limit set to 0) would keep its rows forever."""
    now = now or timezone.now()
    longest = max((w.seconds for w in Limits.load().windows.values() if w.limit > 0), default=0)
    cutoff = now - dt.timedelta(seconds=longest + TRANSIT_GUARD_S)
    deleted, _ = RateLimitEvent.objects.filter(at__lte=cutoff).delete()
    return deleted


# Read before every request when a family has no window (the ORM's query cost
# ~0.5 ms, against ~0.02 ms for the statement itself: a twentieth of the
# project's own work on a page of a fast scrape, docs/performance.md).
_BLOCKED_UNTIL = (
    f"SELECT blocked_until FROM {connection.ops.quote_name(RateLimitWindow._meta.db_table)} "  # noqa: S608
    'WHERE "key" = %s AND family = %s AND blocked_until > %s'
)


def _blocked_until(key: str, family: str, now: dt.datetime) -> dt.datetime | None:
    """When Instagram's "wait" for (key, family) ends, if it is still on."""
    with connection.cursor() as cursor:
        cursor.execute(_BLOCKED_UNTIL, [key, family, connection.ops.adapt_datetimefield_value(now)])
        row = cursor.fetchone()
    if row is None:
        return None
    value = row[0]  # SQLite: naive UTC (Django's converter); PostgreSQL: aware
    return value if timezone.is_aware(value) else timezone.make_aware(value, dt.UTC)


def _locked_window(key: str, family: str) -> RateLimitWindow:
    window, _ = RateLimitWindow.objects.select_for_update().get_or_create(key=key, family=family)
    return window


def closed_until(key: str) -> dt.datetime | None:
    """The latest moment any window of this key is closed until (for the UI)."""
    now = timezone.now()
    latest = (
        RateLimitWindow.objects.filter(key=key, blocked_until__gt=now)
        .order_by("-blocked_until")
        .values_list("blocked_until", flat=True)
        .first()
    )
    return latest
