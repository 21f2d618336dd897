"""The Celery app. Broker and options come from Django settings (CELERY_*)."""

from __future__ import annotations

import os
import sys

from celery import Celery
from celery.signals import beat_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "igdash.settings")

app = Celery("igdash")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Apps' tasks modules, and the backups' own (exports/backups/tasks.py).
app.autodiscover_tasks(["exports.backups"])


@app.on_configure.connect
def _check_settings(**kwargs: object) -> None:
    """`celery -A igdash worker|beat` reads settings here first: a bad IGDASH_*
    variable ends it with one line, as it ends `igdash serve`, not a traceback."""
    from django.conf import settings

    from core.env import ConfigError

    try:
        settings.INSTALLED_APPS  # noqa: B018 (loading settings checks every variable)
    except ConfigError as exc:
        print(f"celery: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


@beat_init.connect
def _start_watchdog(**kwargs: object) -> None:
    """The worker-down alarm runs in the beat process: a dead worker runs no task
    (notify/watchdog.py)."""
    from notify import watchdog

    watchdog.start()
