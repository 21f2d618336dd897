"""The one way a scrape's status changes, and the one log line (and signal,
scraping/signals.py) each change gets.

A change is a conditional UPDATE (docs/scraping.md: two workers never act on one
scrape at once) whose row count is checked; the line is written only when the
row really changed, so every change is logged exactly once, at INFO, with the
scrape, its target, the old and new status and the reason. A failed nightly
refresh can be followed in the worker log alone (docs/operations.md, "Logs").
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db.models import Q

from scraping.models import Scrape
from scraping.signals import scrape_status_changed

log = logging.getLogger("scraping.status")


def log_status(
    scrape_id: int, target: str, old: str, new: str, reason: str, trigger: str = ""
) -> None:
    """The line of one change (also for a scrape born in a status: old is "")."""
    why = Scrape.Trigger(trigger).label.lower() if trigger in Scrape.Trigger.values else trigger
    reason = " ".join(reason.split())  # Instagram's words may hold line breaks: one line
    log.info(
        "scrape #%s @%s%s: %s -> %s: %s",
        scrape_id,
        target,
        f" ({why})" if why else "",
        old or "new",
        new,
        reason,
        extra={
            "scrape_id": scrape_id,
            "target": target,
            "trigger": trigger,
            "old_status": old,
            "new_status": new,
            "reason": reason,
        },
    )
    # Apps above scraping (notify) learn of the change here; a receiver's error
    # must never break a scrape, so they are called robustly (and logged).
    for _receiver, result in scrape_status_changed.send_robust(
        sender=Scrape,
        scrape_id=scrape_id,
        target=target,
        old=old,
        new=new,
        reason=reason,
        trigger=trigger,
    ):
        if isinstance(result, Exception):
            log.error("scrape #%s: a status receiver failed: %r", scrape_id, result)


def change_status(
    scrape_id: int,
    new: str,
    reason: str | Callable[[str], str],
    *,
    when: Q | None = None,
    **fields: object,
) -> bool:
    """Move the scrape to `new` (writing `fields` too) if it matches `when`;
    True when it did. The status it had is read first and the UPDATE requires it
    unchanged, so the logged old status is the real one even under a race.
    `reason` may depend on that old status."""
    rows = Scrape.objects.filter(pk=scrape_id)
    if when is not None:
        rows = rows.filter(when)
    before = rows.values_list("status", "target__user__username", "trigger").first()
    if before is None:
        return False
    old, target, trigger = before
    if rows.filter(status=old).update(status=new, **fields) != 1:
        return False
    log_status(scrape_id, target, old, new, reason(old) if callable(reason) else reason, trigger)
    return True
