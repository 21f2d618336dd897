"""Scrape tasks: thin functions that take ids and call a service. Each is
idempotent: a duplicate message finds the scrape claimed or finished and returns."""

from __future__ import annotations

import logging

from celery import shared_task

from scraping import services
from scraping.services.engine import abandon, worker_id

log = logging.getLogger(__name__)


# The registered name stays "scraping.run_scrape": queued messages carry it.
@shared_task(name="scraping.run_scrape")
def scrape_task(scrape_id: int) -> None:
    hostname = scrape_task.request.hostname or "eager"
    worker = f"{hostname}:{worker_id()}"
    try:
        services.run_scrape(scrape_id, worker=worker)
    except Exception as exc:
        # services.run_scrape ends every outcome in a state; this is for when even that
        # failed. The scrape must not stay `running` for the resumer to re-run.
        log.exception("scrape #%s: the engine failed", scrape_id)
        try:
            abandon(scrape_id, worker, exc)
        except Exception:
            # The database itself is gone: the scrape stays running, and the
            # resumer takes it up again once its heartbeat is stale.
            log.exception("scrape #%s could not be marked failed", scrape_id)


@shared_task(name="scraping.resume_stale_scrapes", expires=60)
def resume_stale_scrapes() -> None:
    services.resume_stale_scrapes()


@shared_task(name="scraping.refresh_bookmarked", expires=3600)
def refresh_bookmarked() -> None:
    services.refresh_bookmarked()
