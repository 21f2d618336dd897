"""The worker-down alarm. It cannot be a task run by the worker (a dead worker
runs nothing), so it is a thread of the Celery beat process (started from
igdash/celery.py on beat_init), which checks the worker heartbeat
(core/heartbeat.py) every minute. When no worker has beaten for DOWN_AFTER, one
event is recorded for that outage and sent at once from this process, not
through the queue the dead worker would have to read."""

from __future__ import annotations

import datetime as dt
import logging
import threading

from django.db import close_old_connections
from django.db.models import Max
from django.utils import timezone

from core.heartbeat import worker_alive
from core.models import WorkerHeartbeat
from notify import delivery, events, text
from notify.models import Event, Kind

log = logging.getLogger(__name__)
DOWN_AFTER = dt.timedelta(minutes=5)
CHECK_EVERY_SECONDS = 60.0


class Watchdog:
    def __init__(self) -> None:
        self.down_since: dt.datetime | None = None

    def check(self, now: dt.datetime | None = None) -> Event | None:
        now = now or timezone.now()
        if worker_alive():
            self.down_since = None
            return None
        if self.down_since is None:
            last = WorkerHeartbeat.objects.aggregate(last=Max("last_seen"))["last"]
            self.down_since = last or now
        if now - self.down_since < DOWN_AFTER:
            return None
        since = timezone.localtime(self.down_since)
        event, new = events.record(
            f"worker_down:{since:%Y%m%dT%H%M%S}",
            Kind.WORKER_DOWN,
            f"The igdash worker is down since {since:%H:%M %Z}: no scrape, export or backup"
            " runs. Restart igdash (igdash serve restarts a dead worker by itself).",
            text.link("/health"),
        )
        if new:
            delivery.deliver(event.pk, now)
        return event


def _loop(stop: threading.Event) -> None:
    dog = Watchdog()
    while not stop.wait(CHECK_EVERY_SECONDS):
        try:
            dog.check()
        except Exception:  # a locked database must not end the watch
            log.exception("the worker watchdog could not check the heartbeat")
        finally:
            close_old_connections()


def start() -> threading.Event:
    """Run the watchdog in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    threading.Thread(target=_loop, args=(stop,), name="igdash-watchdog", daemon=True).start()
    return stop
