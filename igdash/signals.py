"""Celery worker hooks: start and stop the heartbeat thread."""

from __future__ import annotations

from typing import Any

from celery.signals import worker_ready, worker_shutdown
from django.conf import settings

from core.heartbeat import HeartbeatThread

_thread: HeartbeatThread | None = None


@worker_ready.connect
def start_heartbeat(sender: Any = None, **_: Any) -> None:
    global _thread
    hostname = getattr(sender, "hostname", None) or "worker"
    _thread = HeartbeatThread(hostname, settings.WORKER_HEARTBEAT_SECONDS)
    _thread.start()


@worker_shutdown.connect
def stop_heartbeat(**_: Any) -> None:
    if _thread is not None:
        _thread.stop()
