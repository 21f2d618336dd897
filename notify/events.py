"""Recording events: one row per happening, found again by its stable key, and
its deliveries queued once the row is committed (never inside the caller's
transaction, never twice)."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction

from accounts_app.models import TrackedAccount
from notify.models import Channel, Delivery, Event

log = logging.getLogger(__name__)


def record(
    key: str, kind: str, text: str, link: str = "", account: TrackedAccount | None = None
) -> tuple[Event, bool]:
    """The event of `key`, made now if new (True). Its deliveries, one per
    enabled channel that takes its kind, are created with it."""
    existing = Event.objects.filter(key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            event = Event.objects.create(key=key, kind=kind, text=text, link=link, account=account)
            Delivery.objects.bulk_create(
                Delivery(event=event, channel=channel) for channel in channels_for(kind)
            )
    except IntegrityError:  # another task recorded it meanwhile
        return Event.objects.get(key=key), False
    log.info("event %s (%s): %s", event.pk, kind, " ".join(text.split())[:200])
    return event, True


def channels_for(kind: str) -> list[Channel]:
    return [c for c in Channel.objects.filter(enabled=True) if not c.kinds or kind in c.kinds]


def publish(key: str, kind: str, text: str, link: str = "", **extra: object) -> Event:
    """Record the event and queue its delivery once this transaction commits."""
    from notify.tasks import deliver_event

    account = extra.get("account")
    assert account is None or isinstance(account, TrackedAccount)
    event, new = record(key, kind, text, link, account)
    if new or event.deliveries.exclude(status=Delivery.Status.SENT).exists():
        transaction.on_commit(lambda: deliver_event.delay(event.pk))
    return event


def unread_count() -> int:
    return Event.objects.filter(read=False).count()
