"""Timing knobs of the scrape engine, read from the environment at call time
(.env.example, Instagram section). Kept free of model imports: igdash.schedule
reads them while building the beat schedule."""

from __future__ import annotations

from igdash.env import env_float, env_int


def stale_seconds() -> float:
    """A running scrape whose heartbeat is older than this lost its worker.

    A page costs at most a jitter pause, a short in-line limiter wait and the HTTP
    timeout, well under the default."""
    return env_float("IGDASH_SCRAPE_STALE_SECONDS", 180.0)


def resume_every_seconds() -> int:
    return env_int("IGDASH_SCRAPE_RESUME_EVERY_SECONDS", 60)


def max_retries() -> int:
    """Transient failures (network, server errors) in a row before a scrape fails."""
    return env_int("IGDASH_SCRAPE_MAX_RETRIES", 5)
