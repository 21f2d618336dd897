"""Scrape tasks: thin functions that take ids and call a service. Each is
idempotent: a duplicate message finds the scrape claimed or finished and returns."""

from __future__ import annotations

from celery import shared_task

from scraping import services
from scraping.services.engine import worker_id


@shared_task(name="scraping.run_scrape")
def run_scrape(scrape_id: int) -> None:
    hostname = run_scrape.request.hostname or "eager"
    services.run_scrape(scrape_id, worker=f"{hostname}:{worker_id()}")


@shared_task(name="scraping.resume_stale_scrapes", expires=60)
def resume_stale_scrapes() -> None:
    services.resume_stale_scrapes()


@shared_task(name="scraping.refresh_bookmarked", expires=3600)
def refresh_bookmarked() -> None:
    services.refresh_bookmarked()
