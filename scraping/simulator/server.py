"""Serve the simulator over real HTTP: a threaded HTTP/1.1 server (keep-alive) from the stdlib."""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

from scraping.simulator.app import SimulatorApp
from scraping.simulator.world import World


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SimulatorServer
    timeout = 30  # idle keep-alive connections close after this
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._run()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    def _run(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        target = urlsplit(self.path) if self.path.startswith("http") else None
        path, _, query = (target.path, "", target.query) if target else self.path.partition("?")
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "SERVER_NAME": self.server.server_address[0],
            "SERVER_PORT": str(self.server.server_address[1]),
            "SERVER_PROTOCOL": self.request_version,
            "wsgi.input": _Body(body),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "wsgi.version": (1, 0),
        }
        for name, value in self.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                continue
            separator = "; " if key == "HTTP_COOKIE" else ", "
            environ[key] = environ[key] + separator + value if key in environ else value
        status_line: list[str] = []
        response_headers: list[tuple[str, str]] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> None:
            status_line.append(status)
            response_headers.extend(headers)

        payload = b"".join(self.server.app(environ, start_response))
        code, _, reason = status_line[0].partition(" ")
        self.send_response(int(code), reason)
        for name, value in response_headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def read(self, size: int = -1) -> bytes:
        data, self._data = (self._data, b"") if size < 0 else (self._data[:size], self._data[size:])
        return data


class SimulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, host: str, port: int, app: SimulatorApp, *, verbose: bool = False) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, port), _Handler)
        self.app = app
        self.verbose = verbose
        self._thread: threading.Thread | None = None

    @property
    def world(self) -> World:
        return self.app.world

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        assert isinstance(host, str)  # an AF_INET/AF_INET6 address is (str, int, ...)
        if host in ("0.0.0.0", "::", ""):  # noqa: S104 - only used to build a local URL
            host = "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="ig-simulator",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


def make_server(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    seed: int = 1,
    public_url: str | None = None,
    verbose: bool = False,
    follower_counts: Mapping[str, int] | None = None,
) -> SimulatorServer:
    """Bind (port 0 picks a free port) without starting to serve. `follower_counts`
    resizes cast members' follower lists (benchmarks: {"demo_big": 100_000})."""
    world = World(seed, follower_counts=follower_counts)
    server = SimulatorServer(host, port, SimulatorApp(world), verbose=verbose)
    world.public_url = (public_url or server.base_url).rstrip("/")
    return server


def start_simulator(
    host: str = "127.0.0.1",
    port: int = 0,
    seed: int = 1,
    public_url: str | None = None,
    *,
    follower_counts: Mapping[str, int] | None = None,
) -> tuple[SimulatorServer, str]:
    """Run the simulator in a daemon thread; returns the server and its base URL."""
    server = make_server(
        host, port, seed=seed, public_url=public_url, follower_counts=follower_counts
    )
    server.start()
    return server, server.base_url


def stop_simulator(server: SimulatorServer) -> None:
    server.stop()
