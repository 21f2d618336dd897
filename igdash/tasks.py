"""Core tasks: thin functions that take ids and call a service."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from core.models import WorkerHeartbeat, WorkerPing


@shared_task(name="igdash.answer_ping")
def answer_ping(ping_id: int) -> None:
    """Mark a ping answered; running it twice keeps the first answer."""
    hostname = answer_ping.request.hostname or "eager"
    WorkerPing.objects.filter(pk=ping_id, answered_at__isnull=True).update(
        answered_at=timezone.now(), answered_by=hostname
    )


@shared_task(name="igdash.prune_housekeeping", expires=3600)
def prune_housekeeping() -> None:
    """Forget pings older than a day, heartbeats of workers gone for a day and
    limiter events no window counts any more; index for search the users that
    no finalised scrape has indexed yet (one that failed, an account added by
    hand); remove background exports past their time and staging rows of
    scrapes that are no longer active."""
    from accounts_app.search import index_pending
    from exports.jobs import prune as prune_exports
    from scraping.ratelimit import prune_events
    from scraping.services.scrapes import prune_staging

    day_ago = timezone.now() - timedelta(days=1)
    WorkerPing.objects.filter(created_at__lt=day_ago).delete()
    WorkerHeartbeat.objects.filter(last_seen__lt=day_ago).delete()
    prune_events()
    index_pending()
    prune_exports()
    prune_staging()
