"""Timing knobs of the scrape engine. igdash/settings.py reads and checks them at
start-up (.env.example, Instagram section); these only name them for the engine.
Kept free of model imports: igdash.schedule reads them while building the beat
schedule."""

from __future__ import annotations

from django.conf import settings


def stale_seconds() -> float:
    """A running scrape whose heartbeat is older than this lost its worker.

    A page costs at most a jitter pause, a short in-line limiter wait and the HTTP
    timeout, well under the default."""
    return float(settings.SCRAPE_STALE_SECONDS)


def resume_every_seconds() -> int:
    return int(settings.SCRAPE_RESUME_EVERY_SECONDS)


def max_retries() -> int:
    """Transient failures (network, server errors) in a row before a scrape fails."""
    return int(settings.SCRAPE_MAX_RETRIES)
