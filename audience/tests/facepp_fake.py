"""A small local stand-in for Face++ Detect (`POST /facepp/v3/detect`), served
over real HTTP by a thread (like the Instagram simulator), for the cloud
classifier's tests. It checks the key and secret in the multipart body, answers
a face list per picture (by its bytes), and can be told to refuse the next
requests (429, CONCURRENCY_LIMIT_EXCEEDED, 5xx) to exercise the retries."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

KEY = "fpk_4242_live_key_abcdef"
SECRET = "fps_secret_9f8e7d6c5b4a"


def face(gender: str = "Female", age: float = 27, quality: float = 88.1) -> dict[str, Any]:
    return {
        "face_token": f"tok{age}{gender}",
        "face_rectangle": {"top": 40, "left": 30, "width": 80, "height": 80},
        "attributes": {
            "gender": {"value": gender},
            "age": {"value": age},
            "facequality": {"value": quality, "threshold": 70.1},
        },
    }


@dataclass
class Seen:
    path: str
    query: str
    fields: dict[str, str]
    image: bytes
    at: float


@dataclass
class FakeFacepp:
    base: str = ""
    faces: dict[bytes, list[dict[str, Any]]] = field(default_factory=dict)
    face_num: dict[bytes, int] = field(default_factory=dict)
    refusals: list[tuple[int, dict[str, Any], dict[str, str]]] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def refuse(self, status: int, error: str, times: int = 1, **headers: str) -> None:
        for _ in range(times):
            self.refusals.append((status, {"error_message": error}, headers))

    def answer(self, fields: dict[str, str], image: bytes) -> tuple[int, dict[str, Any], dict]:
        with self.lock:
            if fields.get("api_key") != KEY or fields.get("api_secret") != SECRET:
                return 401, {"error_message": "AUTHENTICATION_ERROR"}, {}
            if self.refusals:
                return self.refusals.pop(0)
            if not image:
                return 400, {"error_message": "MISSING_ARGUMENTS: image_file"}, {}
            if image.startswith(b"BROKEN"):
                return 400, {"error_message": "IMAGE_ERROR_UNSUPPORTED_FORMAT: image_file"}, {}
            found = self.faces.get(image, [])
            number = self.face_num.get(image, len(found))
        return (
            200,
            {
                "request_id": "1700000000,abc",
                "time_used": 42,
                "faces": found[:5],  # Face++ gives attributes for the 5 largest only
                "image_id": "img",
                "face_num": number,
            },
            {},
        )


def _handler(fake: FakeFacepp) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet test output
            pass

        def do_POST(self) -> None:
            path, _, query = self.path.partition("?")
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            fields, image = _multipart(self.headers.get("Content-Type", ""), body)
            with fake.lock:
                fake.seen.append(Seen(path, query, fields, image, time.monotonic()))
            if path != "/facepp/v3/detect":
                status, answer, headers = 404, {"error_message": "API_NOT_FOUND"}, {}
            else:
                status, answer, headers = fake.answer(fields, image)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


def _multipart(content_type: str, body: bytes) -> tuple[dict[str, str], bytes]:
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    fields: dict[str, str] = {}
    image = b""
    if not message.is_multipart():
        return fields, image
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if name == "image_file":
            image = payload
        elif isinstance(name, str):
            fields[name] = payload.decode()
    return fields, image


@pytest.fixture
def fake_facepp() -> Iterator[FakeFacepp]:
    fake = FakeFacepp()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
