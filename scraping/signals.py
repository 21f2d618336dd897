"""Signals scraping sends for the apps above it (it may not import them,
docs/architecture.md "Hooks instead of back-imports").

scrape_finalised: a scrape of `target_id` finished (succeeded or partial) and
its statistics, the follower count it recorded included, are written. Sent
inside the transaction that finalises it, with keyword arguments `scrape_id`
and `target_id`; a receiver that raises rolls back the finalise, so receivers
catch their own failures (content refreshes its stored post figures here:
the follower history is the denominator of every engagement rate).
"""

from __future__ import annotations

from django.dispatch import Signal

scrape_finalised = Signal()
