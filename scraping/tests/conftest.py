"""Fixtures of the scrape engine's tests (defined beside the helpers they use)."""

from __future__ import annotations

from scraping.tests.engine_fakes import fast_limits, isolated_vault, web_login
from scraping.tests.sim_control import sim

__all__ = ["fast_limits", "isolated_vault", "sim", "web_login"]
