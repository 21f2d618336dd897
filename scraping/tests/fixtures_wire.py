"""Fixtures for the wire-layer tests: one simulator per test session, reset per test.

Import with `from scraping.tests.fixtures_wire import *` in a test module.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from scraping.instagram import endpoints as ep
from scraping.simulator import SimulatorServer, start_simulator

__all__ = ["SEED", "Sim", "sim", "simulator_server"]

SEED = 20260101
MOBILE_USER_AGENT = (
    "Instagram 449.0.0.52.84 Android (34/14; 480dpi; 1344x2992; Google/google; "
    "Pixel 8 Pro; husky; husky; en_US; 1079242191)"
)


class Sim:
    """A running simulator plus its control API, spoken over real HTTP."""

    def __init__(self, server: SimulatorServer) -> None:
        self.server = server
        self.base_url = server.base_url
        self.http = httpx.Client(base_url=self.base_url, timeout=30)

    def reset(self) -> None:
        self.http.post("/__sim__/reset").raise_for_status()

    def scenario(self, username: str, **scenarios: Any) -> dict[str, Any]:
        """Merge scenarios into the target's (None removes one)."""
        response = self.http.patch(f"/__sim__/scenarios/{username}", json=scenarios)
        response.raise_for_status()
        return response.json()["scenarios"]

    def clear_scenarios(self, username: str) -> None:
        self.http.delete(f"/__sim__/scenarios/{username}").raise_for_status()

    def truth(
        self,
        username: str,
        direction: str = "followers",
        day: int | None = None,
        limit: int | None = None,
    ) -> Any:
        params: dict[str, Any] = {"username": username, "direction": direction}
        if day is not None:
            params["day"] = day
        if limit is not None:
            params["limit"] = limit
        response = self.http.get("/__sim__/truth", params=params)
        response.raise_for_status()
        return response.json()

    def content(self, username: str, day: int | None = None) -> Any:
        """The account's posts on a day as igdash should read them (/__sim__/content)."""
        params: dict[str, Any] = {"username": username}
        if day is not None:
            params["day"] = day
        response = self.http.get("/__sim__/content", params=params)
        response.raise_for_status()
        return response.json()

    def advance(self, days: int = 1) -> int:
        return int(self.http.post("/__sim__/day", json={"advance": days}).json()["day"])

    def stats(self) -> dict[str, Any]:
        return self.http.get("/__sim__/stats").json()

    def session(self, username: str = "demo_owner") -> dict[str, str]:
        response = self.http.post("/__sim__/session", json={"username": username})
        response.raise_for_status()
        return response.json()

    def pk(self, username: str) -> int:
        return int(self.truth(username, limit=0)["pk"])

    def web_get(
        self, path: str, params: dict[str, Any], sessionid: str | None = None
    ) -> httpx.Response:
        headers = ep.web_headers()
        if sessionid:
            headers["Cookie"] = f"sessionid={sessionid}"
        return self.http.get(path, params=params, headers=headers)

    def mobile_get(
        self, path: str, params: dict[str, Any], authorization: str | None = None
    ) -> httpx.Response:
        headers = {"X-IG-App-ID": ep.ANDROID_APP_ID, "User-Agent": MOBILE_USER_AGENT}
        if authorization:
            headers["Authorization"] = authorization
        return self.http.get(path, params=params, headers=headers)


@pytest.fixture(scope="session")
def simulator_server() -> Iterator[SimulatorServer]:
    server, _ = start_simulator(seed=SEED)
    yield server
    server.stop()


@pytest.fixture
def sim(simulator_server: SimulatorServer) -> Iterator[Sim]:
    helper = Sim(simulator_server)
    helper.reset()
    yield helper
    helper.http.close()
