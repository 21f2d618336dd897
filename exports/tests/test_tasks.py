from __future__ import annotations

import pytest
from django_celery_beat.models import PeriodicTask

from exports.backups.tasks import nightly_backup
from igdash.celery import app
from igdash.schedule import ensure_schedule

pytestmark = pytest.mark.django_db


def test_nightly_backup_is_scheduled_at_half_past_three_local_with_expiry() -> None:
    ensure_schedule()
    row = PeriodicTask.objects.get(task="exports.nightly_backup")
    assert (row.crontab.hour, row.crontab.minute) == ("3", "30")
    assert row.expire_seconds == nightly_backup.expires == 4 * 3600
    assert row.enabled
    assert app.tasks["exports.nightly_backup"].expires == nightly_backup.expires
