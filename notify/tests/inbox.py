"""A local HTTP endpoint that notification channels deliver to (Apprise's
json:// posts a JSON body): the tests read what arrived. Paths under /broken
answer 500, like a service that refuses."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Inbox:
    port: int
    arrived: list[dict[str, Any]] = field(default_factory=list)

    def url(self, path: str = "ok", auth: str = "") -> str:
        return f"json://{auth + '@' if auth else ''}127.0.0.1:{self.port}/{path}"

    def to(self, path: str) -> list[dict[str, Any]]:
        return [message for message in self.arrived if message["path"] == f"/{path}"]


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox(0)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if not self.path.startswith("/broken"):
                with lock:
                    box.arrived.append(
                        {
                            "path": self.path,
                            "auth": self.headers.get("Authorization", ""),
                            **json.loads(body),
                        }
                    )
            self.send_response(500 if self.path.startswith("/broken") else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    box.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield box
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def eager() -> Iterator[None]:
    """Celery tasks run in the test's process as they are sent (retries too, at
    once: the backoff is Celery's countdown, which eager mode skips). A task's
    exception is not raised into the caller (its Retry would be): the tests
    check what the tasks did."""
    from igdash.celery import app

    before = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, False
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = before
