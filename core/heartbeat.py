"""Worker liveness: a Celery worker writes a WorkerHeartbeat row every few
seconds from a daemon thread; /health calls the worker alive while the newest
row is recent enough. Liveness is read from the database, so it works the same on
every broker, including the filesystem one that has no worker events.

Under `igdash serve` the supervisor also removes the row of a worker it saw die
(forget_worker), so a dead worker is "down" within a second; a worker on another
machine, or a hung one, is "down" once its row is older than the stale time."""

from __future__ import annotations

import logging
import os
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from core.models import WorkerHeartbeat

log = logging.getLogger(__name__)


class HeartbeatThread(threading.Thread):
    def __init__(self, hostname: str, interval: float) -> None:
        super().__init__(name="igdash-heartbeat", daemon=True)
        self.hostname = hostname
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        started = timezone.now()
        while not self.stopped.is_set():
            try:
                beat(self.hostname, started)
            except Exception:  # a locked or restarting database must not kill the thread
                log.exception("worker heartbeat could not be written")
            finally:
                close_old_connections()
            self.stopped.wait(self.interval)

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=self.interval + 5)
        try:
            WorkerHeartbeat.objects.filter(hostname=self.hostname).delete()
        finally:
            close_old_connections()


def beat(hostname: str, started_at: object | None = None) -> None:
    now = timezone.now()
    defaults = {"last_seen": now, "pid": os.getpid()}
    _, created = WorkerHeartbeat.objects.update_or_create(hostname=hostname, defaults=defaults)
    if created and started_at is not None:
        WorkerHeartbeat.objects.filter(hostname=hostname).update(started_at=started_at)


def forget_worker(hostname: str, pid: int) -> None:
    """The supervisor saw this worker process die: drop its heartbeat row, so
    /health and the System card say "down" at once instead of after the stale
    time. Only the row of that name and pid: another machine's worker, or a newer
    process of the same name, keeps its own."""
    try:
        WorkerHeartbeat.objects.filter(hostname=hostname, pid=pid).delete()
    finally:
        close_old_connections()


def live_workers() -> list[WorkerHeartbeat]:
    threshold = timezone.now() - timedelta(seconds=settings.WORKER_HEARTBEAT_STALE_SECONDS)
    return list(WorkerHeartbeat.objects.filter(last_seen__gte=threshold))


def worker_alive() -> bool:
    """Whether some worker beat lately; False when the database cannot say (the
    same judgement as the worker check of /health)."""
    try:
        return bool(live_workers())
    except Exception:
        return False
