from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from core.heartbeat import forget_worker
from core.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def test_health_needs_no_login_and_reports_a_missing_worker_as_503(client: Client) -> None:
    response = client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True
    assert body["worker"] == {"ok": False, "detail": "no worker heartbeat in the last 15 s"}


def test_health_is_ok_with_a_recent_worker_heartbeat(client: Client) -> None:
    WorkerHeartbeat.objects.create(hostname="igdash-worker@box", last_seen=timezone.now())
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["worker"] == {"ok": True, "detail": "igdash-worker@box"}


def test_health_ignores_a_stale_heartbeat(client: Client) -> None:
    WorkerHeartbeat.objects.create(
        hostname="igdash-worker@box", last_seen=timezone.now() - timedelta(minutes=5)
    )
    assert client.get("/health").status_code == 503


def test_health_reports_a_broken_broker_folder(client: Client, settings, tmp_path) -> None:
    settings.BROKER_QUEUE_DIR = tmp_path / "missing"
    WorkerHeartbeat.objects.create(hostname="w", last_seen=timezone.now())
    response = client.get("/health")
    assert response.status_code == 503
    assert "broker folder missing" in response.json()["broker"]["detail"]


def test_a_worker_the_supervisor_saw_die_is_down_at_once_and_only_that_one(
    client: Client,
) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(hostname="igdash-worker@box", pid=41, last_seen=now)
    WorkerHeartbeat.objects.create(hostname="igdash-worker@other", pid=41, last_seen=now)

    forget_worker("igdash-worker@box", 41)
    body = client.get("/health").json()
    assert body["worker"] == {"ok": True, "detail": "igdash-worker@other"}  # Redis, 2nd machine

    forget_worker("igdash-worker@other", 7)  # an older process: the newer row stays
    assert client.get("/health").status_code == 200
    forget_worker("igdash-worker@other", 41)
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["worker"]["ok"] is False
