from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from core.models import WorkerPing
from igdash.tasks import answer_ping

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(client: Client) -> Client:
    client.force_login(User.objects.create_superuser("owner", "", "pw"))
    return client


def test_ping_is_enqueued_after_commit_and_polls_until_answered(
    owner_client: Client, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        response = owner_client.post("/system/ping/", HTTP_HX_REQUEST="true")
    assert response.status_code == 201
    assert len(callbacks) == 1  # delay_on_commit: nothing is sent before the row exists
    ping = WorkerPing.objects.get()
    assert 'hx-trigger="every 1s"' in response.content.decode()

    waiting = owner_client.get(f"/system/ping/{ping.pk}/", HTTP_HX_REQUEST="true")
    assert waiting.status_code == 200

    answer_ping.apply(args=[ping.pk])
    done = owner_client.get(f"/system/ping/{ping.pk}/", HTTP_HX_REQUEST="true")
    assert done.status_code == 286
    assert "answered in" in done.content.decode()


def test_answering_twice_keeps_the_first_answer() -> None:
    ping = WorkerPing.objects.create()
    answer_ping.apply(args=[ping.pk])
    first = WorkerPing.objects.get().answered_at
    answer_ping.apply(args=[ping.pk])
    assert WorkerPing.objects.get().answered_at == first
