"""The limiter: sliding windows kept in the database, Instagram's waits, jitter."""

from __future__ import annotations

import datetime as dt
import random

import pytest
import time_machine
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from core.models import AppSettings
from scraping.models import RateLimitEvent
from scraping.ratelimit import (
    TRANSIT_GUARD_S,
    Limits,
    RateLimiter,
    Window,
    WindowClosed,
    closed_until,
    prune_events,
)

pytestmark = pytest.mark.django_db


def limits(limit: int = 3, seconds: float = 60, **overrides: object) -> Limits:
    base = {
        "windows": {"web_api": Window(limit, seconds), "mobile_api": Window(0, 0)},
        "jitter_mean": 0.0,
        "jitter_max": 0.0,
        "pacing": False,
        "backoff_base": 60.0,
        "backoff_max": 3600.0,
        "inline_wait": 0.0,
    }
    return Limits(**{**base, **overrides})  # type: ignore[arg-type]


def test_window_admits_its_limit_then_refuses_until_the_oldest_ages_out() -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        limiter = RateLimiter("login:1", limits(3, 60))
        for _ in range(3):
            limiter("web_api")
            clock.shift(10)
        with pytest.raises(WindowClosed) as closed:
            limiter("web_api")
        # The first request, at t=0, ages out at t=60 plus the transit guard; now t=30.
        assert closed.value.retry_after == pytest.approx(30 + TRANSIT_GUARD_S)
        clock.shift(30)
        with pytest.raises(WindowClosed):  # t=60: Instagram may have seen it arrive later
            limiter("web_api")
        clock.shift(TRANSIT_GUARD_S)
        limiter("web_api")
    assert limiter.requests == 4


def test_a_request_is_recorded_when_the_window_lock_is_held_not_before(monkeypatch) -> None:
    """A worker that waited for another's lock sends its request later than it
    asked: the window must count it when it is sent."""
    from scraping import ratelimit

    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        locked = ratelimit._locked_window

        def slow_lock(key: str, family: str):  # another worker held the row for 5 s
            clock.shift(5)
            return locked(key, family)

        monkeypatch.setattr(ratelimit, "_locked_window", slow_lock)
        RateLimiter("login:1", limits(3, 60))("web_api")
    assert list(RateLimitEvent.objects.values_list("at", flat=True)) == [
        start + dt.timedelta(seconds=5)
    ]


def test_window_state_is_shared_by_every_limiter_of_the_login() -> None:
    RateLimiter("login:1", limits(2, 60))("web_api")
    RateLimiter("login:1", limits(2, 60))("web_api")  # another worker, or after a restart

    with pytest.raises(WindowClosed):
        RateLimiter("login:1", limits(2, 60))("web_api")
    RateLimiter("login:2", limits(2, 60))("web_api")  # another login has its own window
    RateLimiter("login:1", limits(2, 60))("mobile_api")  # and another family too


def test_events_older_than_the_window_are_pruned() -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        limiter = RateLimiter("login:1", limits(100, 5))
        for _ in range(10):
            limiter("web_api")
            clock.shift(1)
    assert RateLimitEvent.objects.count() <= 6


def test_short_waits_are_slept_in_line_long_ones_raise() -> None:
    slept: list[float] = []
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:

        def sleep(seconds: float) -> None:
            slept.append(seconds)
            clock.shift(seconds)

        limiter = RateLimiter("login:1", limits(1, 5, inline_wait=10), sleep=sleep)
        limiter("web_api")
        limiter("web_api")
        assert slept[-1] == pytest.approx(5 + TRANSIT_GUARD_S)
        other = RateLimiter("login:2", limits(1, 60, inline_wait=10), sleep=sleep)
        other("web_api")
        with pytest.raises(WindowClosed):
            other("web_api")


def test_instagram_wait_closes_the_window_for_retry_after() -> None:
    limiter = RateLimiter("login:1", limits(0))
    limiter("web_api")

    until = limiter.penalise(90)

    assert (until - timezone.now()).total_seconds() == pytest.approx(90, abs=1)
    assert closed_until("login:1") == until
    with pytest.raises(WindowClosed) as closed:
        RateLimiter("login:1", limits(0))("web_api")
    assert closed.value.retry_after == pytest.approx(90, abs=1)
    with time_machine.travel(until + dt.timedelta(seconds=1)):
        RateLimiter("login:1", limits(0))("web_api")


def test_backoff_doubles_with_each_wait_without_retry_after_up_to_the_cap() -> None:
    limiter = RateLimiter("login:1", limits(0, backoff_base=60, backoff_max=300))
    limiter.last_family = "web_api"
    waits = []
    now = timezone.now()
    with time_machine.travel(now, tick=False) as clock:
        for _ in range(5):
            waits.append((limiter.penalise(None) - timezone.now()).total_seconds())
            clock.shift(1)
    assert 60 <= waits[0] <= 66
    assert 120 <= waits[1] <= 132
    assert 240 <= waits[2] <= 264
    assert 300 <= waits[4] <= 330


def test_jitter_is_exponential_and_capped() -> None:
    limiter = RateLimiter(
        "login:1", limits(0, jitter_mean=1.7, jitter_max=15.0, pacing=True), rng=random.Random(4)
    )
    draws = [limiter.jitter() for _ in range(2000)]
    assert max(draws) <= 15.0
    assert 1.5 < sum(draws) / len(draws) < 1.9


def test_pacing_off_removes_the_pauses_but_keeps_the_windows() -> None:
    limiter = RateLimiter("login:1", limits(1, 60, jitter_mean=5.0, jitter_max=9.0, pacing=False))
    assert limiter.jitter() == 0.0
    limiter("web_api")
    with pytest.raises(WindowClosed):
        limiter("web_api")


def test_limits_come_from_settings_and_the_environment_wins(
    settings: SettingsWrapper,
) -> None:
    app = AppSettings.load()
    app.web_api_limit, app.mobile_api_window_seconds = 10, 900
    app.save()
    # What settings.py reads from IGDASH_RATE_WEB_API_WINDOW=30, IGDASH_JITTER_MEAN=0.5
    # and IGDASH_PACING=off.
    settings.RATE_WEB_API_WINDOW = 30.0
    settings.JITTER_MEAN = 0.5
    settings.PACING = False

    loaded = Limits.load()

    assert loaded.windows["web_api"] == Window(10, 30.0)
    assert loaded.windows["mobile_api"] == Window(199, 900.0)
    assert loaded.windows["graphql"] == Window(200, 660.0)
    assert (loaded.jitter_mean, loaded.pacing) == (0.5, False)


def test_a_family_without_window_records_nothing_but_still_obeys_instagrams_wait() -> None:
    limiter = RateLimiter("login:1", limits())
    for _ in range(5):
        limiter("mobile_api")  # Window(0, 0): no window to count in
    assert limiter.requests == 5
    assert RateLimitEvent.objects.count() == 0
    limiter.penalise(retry_after=120, family="mobile_api")
    with pytest.raises(WindowClosed) as closed:
        limiter("mobile_api")
    assert closed.value.retry_after == pytest.approx(120, abs=2)


def test_housekeeping_prunes_events_no_window_can_count(monkeypatch) -> None:
    monkeypatch.setattr(Limits, "load", classmethod(lambda cls: limits(100, 60)))
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        RateLimiter("login:1", limits(100, 60))("web_api")
        RateLimiter("login:2", limits(100, 60))("web_api")  # a login nobody uses again
        clock.shift(61)
        RateLimiter("login:1", limits(100, 60))("web_api")
        assert RateLimitEvent.objects.count() == 2  # login:1 pruned its own; login:2 cannot
        assert prune_events() == 1
    assert RateLimitEvent.objects.count() == 1


def test_without_window_only_this_keys_family_and_a_wait_still_on_hold_requests_back() -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        RateLimiter("login:2", limits()).penalise(retry_after=300, family="mobile_api")
        RateLimiter("login:1", limits()).penalise(retry_after=60, family="web_api")
        limiter = RateLimiter("login:1", limits())
        limiter("mobile_api")  # another login's wait, another family's wait
        limiter.penalise(retry_after=30, family="mobile_api")
        clock.shift(20)
        with pytest.raises(WindowClosed) as closed:
            limiter("mobile_api")
        assert closed.value.retry_after == pytest.approx(10, abs=0.01)
        clock.shift(11)
        limiter("mobile_api")  # the wait is over
    assert limiter.requests == 2
