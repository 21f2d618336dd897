from __future__ import annotations

import pytest
from django_celery_beat.models import PeriodicTask

from igdash.schedule import PERIODIC_TASKS, ensure_schedule

pytestmark = pytest.mark.django_db


def test_ensure_schedule_is_idempotent_and_sets_expiry() -> None:
    ensure_schedule()
    ensure_schedule()
    rows = PeriodicTask.objects.filter(name__in=[p.name for p in PERIODIC_TASKS])
    assert rows.count() == len(PERIODIC_TASKS)
    assert all(row.expire_seconds for row in rows)
