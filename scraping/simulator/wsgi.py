"""Small WSGI request/response helpers and the generated avatar images."""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

Headers = list[tuple[str, str]]


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    cookies: dict[str, str]
    body: bytes
    endpoint: str = "other"
    target: str | None = None

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8", "replace")).items()}

    def signed_body(self) -> dict[str, Any]:
        """instagrapi's POST body: signed_body=SIGNATURE.<json>."""
        raw = self.form().get("signed_body", "")
        if raw.startswith("SIGNATURE."):
            try:
                data = json.loads(raw.removeprefix("SIGNATURE."))
            except ValueError:
                return {}
            return data if isinstance(data, dict) else {}
        return self.form()

    @property
    def app_id(self) -> str:
        return self.headers.get("x-ig-app-id", "")

    @property
    def user_agent(self) -> str:
        return self.headers.get("user-agent", "")


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: Headers = field(default_factory=list)


def json_response(
    status: int, data: Any, *, raw_utf8: bool = False, headers: Headers | None = None
) -> Response:
    body = json.dumps(data, ensure_ascii=not raw_utf8, separators=(",", ":")).encode()
    return Response(status, body, headers=list(headers or []))


def text_response(status: int, text: str, content_type: str = "text/plain") -> Response:
    return Response(status, text.encode(), content_type=f"{content_type}; charset=utf-8")


def request_from_environ(environ: Mapping[str, Any]) -> Request:
    headers = {
        key[5:].replace("_", "-").lower(): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = str(environ["CONTENT_TYPE"])
    cookies: dict[str, str] = {}
    if "cookie" in headers:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(headers["cookie"])
        except Exception:  # a malformed cookie header is ignored, as browsers do
            jar = SimpleCookie()
        cookies = {name: morsel.value for name, morsel in jar.items()}
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    query = {k: v[0] for k, v in parse_qs(str(environ.get("QUERY_STRING", ""))).items()}
    path = str(environ.get("PATH_INFO", "/")).encode("latin-1").decode("utf-8", "replace")
    return Request(str(environ["REQUEST_METHOD"]).upper(), path, query, headers, cookies, body)


_AVATARS: dict[int, bytes] = {}


def avatar_png(seed: int) -> bytes:
    """A tiny two-tone PNG avatar, coloured from the pk, built with the stdlib."""
    key = seed % 4096
    cached = _AVATARS.get(key)
    if cached is not None:
        return cached
    size = 48
    fg: tuple[int, ...]
    bg: tuple[int, ...]
    if seed == 0:
        fg, bg = (199, 199, 199), (239, 239, 239)
    else:
        hue = key / 4096
        fg = tuple(int(80 + 150 * abs(((hue * 6 + shift) % 6) - 3) / 3) for shift in (0, 2, 4))
        bg = tuple(min(255, channel + 60) for channel in fg)
    rows = []
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            inside = (x - 24) ** 2 + (y - 19) ** 2 < 81 or ((x - 24) ** 2 + (y - 46) ** 2 < 300)
            row.extend(fg if inside else bg)
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", raw)
        + chunk(b"IEND", b"")
    )
    _AVATARS[key] = png
    return png
