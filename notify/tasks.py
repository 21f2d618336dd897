"""Celery tasks of notify (found by igdash/celery.py's autodiscovery)."""

from __future__ import annotations

import datetime as dt
import logging

from celery import Task, shared_task
from django.utils import timezone

from notify import delivery, digest, rules
from notify.models import Event

log = logging.getLogger(__name__)
MAX_RETRIES = delivery.MAX_ATTEMPTS - 1
KEEP = dt.timedelta(days=90)


def backoff(retries: int) -> int:
    """Seconds before try `retries + 1`: 1, 2, 4, 8, 16 minutes, at most an hour."""
    return int(min(60 * 2**retries, 3600))


@shared_task(name="notify.scrape_changed", bind=True, max_retries=3)
def scrape_changed(self: Task, scrape_id: int, status: str) -> None:
    """Record the events of a scrape's change (idempotent: keyed by the scrape)."""
    rules.scrape_changed(scrape_id, status)


@shared_task(name="notify.deliver_event", bind=True, max_retries=MAX_RETRIES)
def deliver_event(self: Task, event_id: int) -> None:
    """Send the event to its channels; a channel that failed is tried again
    with backoff, the others are not sent twice."""
    outcome = delivery.deliver(event_id)
    if outcome.failed:
        log.info("event %s: %d channel(s) failed, retrying", event_id, len(outcome.failed))
        raise self.retry(countdown=backoff(self.request.retries))


@shared_task(name="notify.release_held", expires=120)
def release_held() -> None:
    """Send the messages held by quiet hours that have ended (every minute)."""
    for event_id in delivery.due_held():
        deliver_event.delay(event_id)


@shared_task(name="notify.digests", expires=3 * 3600)
def digests() -> None:
    """The daily and (on Mondays) weekly digests of the accounts that want one,
    and the removal of events older than KEEP_DAYS (their deliveries with them)."""
    digest.send_due()
    gone, _ = Event.objects.filter(created_at__lt=timezone.now() - KEEP).delete()
    if gone:
        log.info("removed %d notification rows older than %d days", gone, KEEP.days)
