"""The checks behind /health: database, broker and worker liveness."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection

from core.heartbeat import live_workers
from igdash.celery import app as celery_app


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str

    def as_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "detail": self.detail}


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return Check(False, f"{type(exc).__name__}: {exc}")
    return Check(True, connection.vendor)


def _writable(folder: Path) -> bool:
    return folder.is_dir() and os.access(folder, os.W_OK)


def check_broker() -> Check:
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        folders = [Path(settings.BROKER_QUEUE_DIR), Path(settings.BROKER_CONTROL_DIR)]
        missing = [str(f) for f in folders if not _writable(f)]
        if missing:
            return Check(False, "broker folder missing or read-only: " + ", ".join(missing))
        return Check(True, "filesystem")
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=3)
    except Exception as exc:
        return Check(False, f"{type(exc).__name__}: {exc}")
    return Check(True, url.split("://", 1)[0])


def check_worker() -> Check:
    try:
        workers = live_workers()
    except Exception as exc:
        return Check(False, f"{type(exc).__name__}: {exc}")
    if not workers:
        return Check(
            False,
            f"no worker heartbeat in the last {settings.WORKER_HEARTBEAT_STALE_SECONDS:.0f} s",
        )
    return Check(True, ", ".join(w.hostname for w in workers))


def run_checks() -> dict[str, Check]:
    return {"database": check_database(), "broker": check_broker(), "worker": check_worker()}
