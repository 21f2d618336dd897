"""Sending an event to its channels: once per (event, channel), each channel on
its own (one failing does not stop the others), quiet hours respected.

A delivery row is sent only by the task that moved it to `sending` with a
conditional UPDATE, so a task that runs twice (a retry, a redelivered message)
sends nothing twice. A row left in `sending` by a worker killed mid-send is not
sent again: at most once, rather than twice (docs/decisions.md).

Quiet hours hold a message (status `held`, `hold_until` the end of the hours);
the beat task notify.release_held sends what is due every minute.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import F, Q
from django.utils import timezone

from accounts_app import vault
from notify import channels
from notify.models import Channel, Delivery
from notify.text import outgoing

MAX_ATTEMPTS = 6
Status = Delivery.Status
# Passphrase mode, locked: the URLs cannot be opened. Deliveries wait (held) and
# are looked at again this often, and at once when the vault is unlocked.
LOCKED = "igdash is locked: sent once the passphrase is entered"
LOCKED_RECHECK = dt.timedelta(minutes=5)


@dataclass
class Outcome:
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)  # to be tried again
    held: list[int] = field(default_factory=list)


def quiet_until(channel: Channel, now: dt.datetime) -> dt.datetime | None:
    """When the channel's quiet hours end, if `now` is inside them (local time)."""
    start, end = channel.quiet_start, channel.quiet_end
    if start is None or end is None or start == end:
        return None
    local = timezone.localtime(now)
    t = local.time()
    inside = start <= t < end if start < end else (t >= start or t < end)
    if not inside:
        return None
    day = local.date() if t < end else local.date() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, end), local.tzinfo)


def _claim(row: Delivery) -> bool:
    return (
        Delivery.objects.filter(pk=row.pk, status=row.status).update(
            status=Status.SENDING, attempts=F("attempts") + 1
        )
        == 1
    )


def _hold(row: Delivery, outcome: Outcome, until: dt.datetime, why: str = "") -> None:
    Delivery.objects.filter(pk=row.pk, status=row.status).update(
        status=Status.HELD, hold_until=until, error=why
    )
    outcome.held.append(row.channel_id)


def _send_one(row: Delivery, outcome: Outcome, now: dt.datetime) -> None:
    channel = row.channel
    until = quiet_until(channel, now)
    if until is not None:
        _hold(row, outcome, until)
        return
    if vault.passphrase_mode() and vault.is_locked():
        _hold(row, outcome, now + LOCKED_RECHECK, LOCKED)
        return
    if not _claim(row):
        return  # another task has it, or sent it
    title, body = outgoing(row.event.text, row.event.link)
    sent = channels.send(channel, title, body)
    channels.record_result(channel, sent)
    if sent.ok:
        Delivery.objects.filter(pk=row.pk).update(
            status=Status.SENT, sent_at=timezone.now(), error=""
        )
        outcome.sent.append(channel.pk)
        return
    Delivery.objects.filter(pk=row.pk).update(status=Status.FAILED, error=sent.detail)
    if row.attempts + 1 < MAX_ATTEMPTS:
        outcome.failed.append(channel.pk)


def deliver(event_id: int, now: dt.datetime | None = None) -> Outcome:
    """Send the event to every channel it has not reached yet."""
    now = now or timezone.now()
    outcome = Outcome()
    due = Q(status__in=(Status.PENDING, Status.FAILED)) | Q(status=Status.HELD, hold_until__lte=now)
    rows = (
        Delivery.objects.filter(due, event_id=event_id, attempts__lt=MAX_ATTEMPTS)
        .select_related("channel", "event")
        .order_by("pk")
    )
    for row in rows:
        if row.channel.enabled:
            _send_one(row, outcome, now)
    return outcome


def due_held(now: dt.datetime | None = None) -> list[int]:
    """Events with a held delivery whose quiet hours are over."""
    now = now or timezone.now()
    rows = Delivery.objects.filter(status=Status.HELD, hold_until__lte=now)
    return sorted(set(rows.values_list("event_id", flat=True)))


def release_after_unlock() -> None:
    """accounts_app.vault.AFTER_UNLOCK: what waited for the vault goes out now."""
    from notify.tasks import release_held

    waiting = Delivery.objects.filter(status=Status.HELD, error=LOCKED)
    if waiting.update(hold_until=timezone.now()):
        release_held.delay()
