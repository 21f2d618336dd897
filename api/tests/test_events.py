"""The scrape events stream in-process: heartbeats, the final event, the cap."""

from __future__ import annotations

import itertools
import time
from typing import Any

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from api import events
from api.tests.helpers import Api, make_token
from scraping.models import Scrape
from scraping.services import cancel_scrape, create_scrape

pytestmark = pytest.mark.django_db


@pytest.fixture
def fast(settings: SettingsWrapper) -> SettingsWrapper:
    settings.API_EVENTS_POLL_SECONDS = 0.05
    settings.API_EVENTS_HEARTBEAT_SECONDS = 1
    settings.API_EVENT_STREAMS = 1
    events._refused_at = float("-inf")  # no refusal left over from another test
    return settings


def chunks(response: Any, count: int) -> list[str]:
    return [c.decode() for c in itertools.islice(response.streaming_content, count)]


def test_a_waiting_scrape_gets_progress_then_heartbeats_then_its_final_event(fast: Any) -> None:
    scrape = create_scrape("demo_small")
    api = Api(make_token())
    response = api.get(f"/scrapes/{scrape.pk}/events")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    first = chunks(response, 3)
    assert first[0] == "retry: 3000\n\n"
    assert first[1].startswith("event: progress\ndata: {") and '"status":"queued"' in first[1]
    assert first[2] == ": heartbeat\n\n"  # nothing changed for a second
    cancel_scrape(scrape.pk)
    rest = [c.decode() for c in response.streaming_content]
    assert rest[-1].startswith("event: final\n") and '"status":"cancelled"' in rest[-1]
    response.close()
    assert events.open_streams() == 0


def test_streams_beyond_the_cap_get_503_with_retry_after(fast: Any) -> None:
    scrape = create_scrape("demo_small")
    api = Api(make_token())
    held = api.get(f"/scrapes/{scrape.pk}/events")
    assert held.status_code == 200 and events.open_streams() == 1
    refused = api.get(f"/scrapes/{scrape.pk}/events")
    assert refused.status_code == 503
    assert refused.json()["code"] == "busy" and refused["Retry-After"] == "5"
    held.close()  # the client went away: its slot is free again
    assert events.open_streams() == 0
    again = api.get(f"/scrapes/{scrape.pk}/events")
    assert again.status_code == 200
    again.close()


def test_while_a_slot_is_wanted_open_streams_check_their_clients_at_every_poll(
    fast: Any,
) -> None:
    """A stream learns that its client left only when a write fails. Once a
    request was refused a slot, each stream writes at every poll instead of at
    the heartbeat (60 s here), so a departed client's slot comes back soon."""
    fast.API_EVENTS_HEARTBEAT_SECONDS = 60
    scrape = create_scrape("demo_small")
    api = Api(make_token())
    held = api.get(f"/scrapes/{scrape.pk}/events")
    content = iter(held.streaming_content)
    assert next(content).startswith(b"retry") and next(content).startswith(b"event: progress")
    assert api.get(f"/scrapes/{scrape.pk}/events").status_code == 503
    began = time.monotonic()
    assert next(content) == b": heartbeat\n\n"
    assert time.monotonic() - began < 5  # a poll (0.05 s) on a loaded machine, not 60 s
    events._refused_at = float("-inf")  # nobody waits any more: back to the heartbeat
    held.close()


def test_a_finished_scrape_answers_its_final_event_at_once(fast: Any) -> None:
    scrape = create_scrape("demo_small")
    cancel_scrape(scrape.pk)
    response = Api(make_token()).get(f"/scrapes/{scrape.pk}/events")
    body = b"".join(response.streaming_content).decode()
    response.close()
    assert body.count("event: ") == 1 and "event: final" in body
    assert Api(make_token("b")).get("/scrapes/999/events").status_code == 404
    assert Scrape.objects.count() == 1


def test_no_stream_takes_the_only_thread(fast: Any) -> None:
    fast.API_EVENT_STREAMS = 0  # IGDASH_WEB_THREADS=1: the default leaves the thread to pages
    scrape = create_scrape("demo_small")
    answer = Api(make_token()).get(f"/scrapes/{scrape.pk}/events")
    assert answer.status_code == 503 and answer["Retry-After"] == "60"
    assert "IGDASH_WEB_THREADS" in answer.json()["message"]
    assert events.open_streams() == 0


def test_a_refused_stream_is_a_warning_not_a_server_error(
    fast: Any, caplog: pytest.LogCaptureFixture
) -> None:
    scrape = create_scrape("demo_small")
    api = Api(make_token())
    held = api.get(f"/scrapes/{scrape.pk}/events")
    with caplog.at_level("INFO"):
        assert api.get(f"/scrapes/{scrape.pk}/events").status_code == 503
    held.close()
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
    warned = [r for r in caplog.records if r.name == "api.main" and r.levelname == "WARNING"]
    assert len(warned) == 1 and "/events refused" in warned[0].getMessage()
