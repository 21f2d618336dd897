"""GET /api/v1/scrapes/{id}/events: a scrape's progress as server-sent events.

`event: progress` with the scrape (the GET /scrapes/{id} JSON) each time it
changes, a comment line (`: heartbeat`) every API_EVENTS_HEARTBEAT_SECONDS
(15) so proxies and clients keep the connection, and `event: final` with the
finished scrape (status, counts, delta), after which the stream ends.
A stream of a scrape that runs for hours ends after API_EVENTS_MAX_SECONDS
(an hour) without a final event; EventSource reconnects by itself (`retry`).

Each open stream holds one Waitress thread for as long as the scrape runs, so
at most API_EVENT_STREAMS are open at once; beyond that the answer is 503
with Retry-After.

Waitress does not tell a stream that its client went away (its
`waitress.client_disconnected` works only with a request lookahead, which
drops the answers of clients that half-close their connection): a stream learns
it when a write fails, the second write after the client left. With writes only
at the 15 s heartbeat, a departed client held its slot for 15-30 s. So while
someone has been refused a slot (the last RECLAIM_SECONDS), every stream writes
a heartbeat at every poll, and a departed client's slot comes back within a few
seconds; otherwise the heartbeat stays at 15 s, which spares a phone's radio.
Waitress sends the bytes of a small write within its loop's 1 s tick (it does
not wait for the response to end)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Generator
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, StreamingHttpResponse
from ninja import Router

from api.auth import READ
from api.errors import COMMON, Busy, ErrorOut
from api.schemas import ScrapeId
from api.scrapes import scrape_out

router = Router(tags=["scrapes"])

_lock = threading.Lock()
_open = 0
# When a request was last refused a slot (time.monotonic()), and for how long
# after that the open streams check their clients at every poll.
_refused_at = float("-inf")
RECLAIM_SECONDS = 30.0


def open_streams() -> int:
    return _open


def _take() -> bool:
    global _open, _refused_at
    with _lock:
        if _open >= settings.API_EVENT_STREAMS:
            _refused_at = time.monotonic()
            return False
        _open += 1
        return True


def _give_back() -> None:
    global _open
    with _lock:
        _open -= 1


def _event(name: str, data: dict[str, Any]) -> bytes:
    text = json.dumps(data, cls=DjangoJSONEncoder, separators=(",", ":"))
    return f"event: {name}\ndata: {text}\n\n".encode()


def _slots_wanted() -> bool:
    return time.monotonic() - _refused_at < RECLAIM_SECONDS


def stream(scrape_id: ScrapeId) -> Generator[bytes]:
    """The events of one scrape until it finishes (or the client goes away: the
    server then stops asking for more)."""
    poll = float(settings.API_EVENTS_POLL_SECONDS)
    heartbeat = float(settings.API_EVENTS_HEARTBEAT_SECONDS)
    end = time.monotonic() + float(settings.API_EVENTS_MAX_SECONDS)
    last: dict[str, Any] | None = None
    last_write = time.monotonic()
    yield b"retry: 3000\n\n"
    while time.monotonic() < end:
        current = scrape_out(scrape_id)
        if current["finished"]:
            yield _event("final", current)
            return
        if current != last:
            yield _event("progress", current)
            last, last_write = current, time.monotonic()
        elif time.monotonic() - last_write >= heartbeat or _slots_wanted():
            yield b": heartbeat\n\n"
            last_write = time.monotonic()
        time.sleep(poll)


class Slot:
    """The stream as the response's content: its close() (the WSGI server
    calls it when the response ends, the client went away, or was never
    iterated) gives the stream's slot back, once."""

    def __init__(self, scrape_id: ScrapeId) -> None:
        self._events = stream(scrape_id)
        self._held = True

    def __iter__(self) -> Slot:
        return self

    def __next__(self) -> bytes:
        return next(self._events)

    def close(self) -> None:
        self._events.close()
        if self._held:
            self._held = False
            _give_back()


@router.get(
    "/scrapes/{scrape_id}/events",
    response={503: ErrorOut, **COMMON},
    auth=READ,
    openapi_extra={
        "responses": {
            "200": {
                "description": "`progress` events, heartbeats, one `final` event.",
                "content": {
                    # OpenAPI 3.1: `schema` describes each event of the stream.
                    "text/event-stream": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "event": {"type": "string", "enum": ["progress", "final"]},
                                "data": {
                                    "type": "string",
                                    "contentMediaType": "application/json",
                                    "contentSchema": {"$ref": "#/components/schemas/ScrapeOut"},
                                },
                                "retry": {"type": "integer"},
                            },
                        }
                    }
                },
            }
        }
    },
)
def events(request: HttpRequest, scrape_id: ScrapeId) -> StreamingHttpResponse:
    scrape_out(scrape_id)  # 404 before a slot is taken
    if not settings.API_EVENT_STREAMS:
        raise Busy(
            "Live events are off: the web server has one thread (IGDASH_WEB_THREADS), "
            "which a stream would take from the pages. Poll GET /api/v1/scrapes/{id}.",
            retry_after=60,
        )
    if not _take():
        raise Busy(
            f"{settings.API_EVENT_STREAMS} event streams are open already; "
            "poll GET /api/v1/scrapes/{id} or try again soon.",
            retry_after=5,
        )
    response = StreamingHttpResponse(Slot(scrape_id), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response
