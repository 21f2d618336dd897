from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def test_worker_component_fails_with_one_line_without_a_heartbeat(capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as exit_info:
        call_command("healthcheck", "--component", "worker")
    assert exit_info.value.code == 1
    assert capsys.readouterr().err == "unhealthy: worker: no worker heartbeat in the last 15 s\n"


def test_web_component_needs_only_the_database(capsys) -> None:  # type: ignore[no-untyped-def]
    call_command("healthcheck", "--component", "web")
    assert capsys.readouterr().out.strip() == "ok"


def test_all_components_ok_with_a_live_worker(capsys) -> None:  # type: ignore[no-untyped-def]
    WorkerHeartbeat.objects.create(hostname="w@x", last_seen=timezone.now())
    call_command("healthcheck")
    assert capsys.readouterr().out.strip() == "ok"
