"""The simulator's control API (/__sim__/, docs/simulator.md) for the engine's
end-to-end tests, plus a request log kept in the test process."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from django.test import override_settings

from accounts_app.models import LoginCredential
from scraping.services import logins
from scraping.simulator.server import SimulatorServer, start_simulator, stop_simulator


@dataclass
class Logged:
    at: float
    path: str
    status: int


@dataclass
class Sim:
    server: SimulatorServer
    base: str
    log: list[Logged] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Record every Instagram-shaped request with its time and answer.
        handle = self.server.app.handle
        lock = threading.Lock()

        def recording(request: Any) -> Any:
            response = handle(request)
            if not request.path.startswith("/__sim__"):
                with lock:
                    self.log.append(Logged(time.time(), request.path, response.status))
            return response

        self.server.app.handle = recording  # type: ignore[method-assign]

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = httpx.request(method, f"{self.base}/__sim__/{path}", timeout=30, **kwargs)
        response.raise_for_status()
        return response.json()

    def session(self, username: str = "demo_owner") -> str:
        return str(self._call("POST", "session", json={"username": username})["sessionid"])

    def scenarios(self, username: str, **scenarios: Any) -> None:
        self._call("PUT", f"scenarios/{username}", json=scenarios)

    def truth(self, username: str, direction: str = "followers") -> dict[int, dict[str, Any]]:
        body = self._call("GET", "truth", params={"username": username, "direction": direction})
        return {int(user["pk"]): user for user in body["users"]}

    def content(self, username: str, day: int | None = None) -> list[dict[str, Any]]:
        """The account's posts and reels, newest first, as a client should read them."""
        params: dict[str, Any] = {"username": username}
        if day is not None:
            params["day"] = day
        return list(self._call("GET", "content", params=params)["posts"])

    def profile_pk(self, username: str) -> int:
        body = self._call("GET", "truth", params={"username": username})
        return int(body["pk"])

    def rename(self, username: str, to: str) -> None:
        self._call("POST", "rename", json={"username": username, "to": to})

    def advance(self, days: int = 1) -> int:
        return int(self._call("POST", "day", json={"advance": days})["day"])

    def delay(self, ms: int) -> None:
        self._call("POST", "delay", json={"ms": ms})

    def stats(self) -> dict[str, Any]:
        return dict(self._call("GET", "stats"))

    def list_requests(self) -> list[Logged]:
        return [entry for entry in self.log if "/friendships/" in entry.path]


@pytest.fixture
def sim() -> Iterator[Sim]:
    server, base = start_simulator()
    try:
        yield Sim(server, base)
    finally:
        stop_simulator(server)


@pytest.fixture
def owner(sim: Sim, isolated_vault: object) -> Iterator[LoginCredential]:
    """The simulator's demo owner as the stored login, with igdash pointed at the
    simulator (the setup of every end-to-end scrape test)."""
    login = logins.store_login("demo_owner", sessionid=sim.session("demo_owner"))
    with override_settings(INSTAGRAM_WEB_URL=sim.base, INSTAGRAM_API_URL=sim.base):
        yield login
