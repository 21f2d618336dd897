"""A local fake Instagram for tests and demos. Never used in production. See docs/simulator.md."""

from __future__ import annotations

from scraping.simulator.app import SimulatorApp
from scraping.simulator.server import SimulatorServer, make_server, start_simulator, stop_simulator
from scraping.simulator.world import CAST, DEMO_2FA_CODE, DEMO_PASSWORD, World

__all__ = [
    "CAST",
    "DEMO_2FA_CODE",
    "DEMO_PASSWORD",
    "SimulatorApp",
    "SimulatorServer",
    "World",
    "make_server",
    "start_simulator",
    "stop_simulator",
]
