"""The periodic tasks igdash needs, written as django-celery-beat rows.

`ensure_schedule()` is idempotent: serve calls it at every start, and the
Settings page calls it when the refresh time changes. Every periodic task has
`expires` so that runs missed while the machine slept do not pile up.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from core.models import AppSettings
from scraping.services.config import resume_every_seconds


@dataclass(frozen=True)
class Periodic:
    name: str
    task: str
    expires_seconds: int
    every_seconds: int | None = None
    daily_at: Callable[[AppSettings], dt.time] | None = None


PERIODIC_TASKS: list[Periodic] = [
    Periodic("igdash: housekeeping", "igdash.prune_housekeeping", 3600, every_seconds=3600),
    Periodic(
        "exports: nightly backup",
        "exports.nightly_backup",
        4 * 3600,
        daily_at=lambda app_settings: dt.time(3, 30),
    ),
    # Safety net of the scrape engine: stale heartbeats, waits that ended, lost messages.
    Periodic(
        "scraping: resume stale scrapes",
        "scraping.resume_stale_scrapes",
        max(resume_every_seconds(), 10),
        every_seconds=resume_every_seconds(),
    ),
    # The same net for background exports whose worker died.
    Periodic(
        "exports: resume stale exports",
        "exports.resume_stale_exports",
        max(resume_every_seconds(), 10),
        every_seconds=resume_every_seconds(),
    ),
    # Messages held by a channel's quiet hours go out when the hours end.
    Periodic("notify: release held messages", "notify.release_held", 120, every_seconds=60),
    Periodic(
        "notify: daily and weekly digests",
        "notify.digests",
        3 * 3600,
        daily_at=lambda app_settings: dt.time(8, 0),
    ),
    Periodic(
        "scraping: nightly refresh of bookmarked accounts",
        "scraping.refresh_bookmarked",
        3600,
        daily_at=lambda app_settings: app_settings.refresh_time,
    ),
]


def _schedule_kwargs(item: Periodic, app_settings: AppSettings) -> dict[str, object]:
    if item.every_seconds is not None:
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=item.every_seconds, period=IntervalSchedule.SECONDS
        )
        return {"interval": interval, "crontab": None}
    assert item.daily_at is not None
    at = item.daily_at(app_settings)
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=str(at.minute),
        hour=str(at.hour),
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone=settings.TIME_ZONE,
    )
    return {"crontab": crontab, "interval": None}


@transaction.atomic
def ensure_schedule() -> list[PeriodicTask]:
    app_settings = AppSettings.load()
    rows = []
    for item in PERIODIC_TASKS:
        task, _ = PeriodicTask.objects.update_or_create(
            name=item.name,
            defaults={
                "task": item.task,
                "expire_seconds": item.expires_seconds,
                "enabled": True,
                "args": json.dumps([]),
                **_schedule_kwargs(item, app_settings),
            },
        )
        rows.append(task)
    return rows
