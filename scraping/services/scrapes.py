"""A scrape's life outside the engine: create, claim, retry, cancel, and the
periodic tasks that resume stalled scrapes and start the nightly refresh.

Status transitions (docs/scraping.md): every one is a conditional UPDATE whose
row count is checked, so two workers (or a worker and the resumer) never act
on one scrape at once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts_app.models import IgUser, TrackedAccount
from core.models import AppSettings
from scraping.handles import InvalidHandle, parse_handle
from scraping.models import Scrape, ScrapeList, ScrapeSeen
from scraping.services import extra_parts
from scraping.services.config import stale_seconds
from scraping.services.transitions import change_status, log_status

log = logging.getLogger(__name__)
Status = Scrape.Status


class ScrapeError(Exception):
    """A scrape cannot be created or changed; str() is for the owner."""


class AlreadyActive(ScrapeError):
    def __init__(self, target: TrackedAccount, active: Scrape | None) -> None:
        self.target = target
        self.active = active
        what = (
            f"scrape #{active.pk} ({active.get_status_display().lower()})" if active else "a scrape"
        )
        super().__init__(
            f"@{target.user.username} already has {what}; wait for it to finish or cancel it."
        )


def tracked_account_for(username: str) -> TrackedAccount:
    """The tracked account of a username, creating it (and a user row known by
    name only, until the scrape learns the pk) when needed."""
    tracked = TrackedAccount.objects.filter(user__username=username).select_related("user").first()
    if tracked is not None:
        return tracked
    user = (
        IgUser.objects.filter(username=username)
        .order_by(F("ig_pk").desc(nulls_last=True), "-updated_at")
        .first()
    )
    if user is None:
        user = IgUser.objects.create(username=username)
    tracked, _ = TrackedAccount.objects.get_or_create(user=user)
    return tracked


def create_scrape(
    handle: str,
    lists: str = Scrape.Lists.BOTH,
    trigger: str = Scrape.Trigger.MANUAL,
    use_private_login: bool = True,
    *,
    source: str = Scrape.Source.AUTO,
    countdown: float | None = None,
    add_parts: Callable[[Scrape], object] | None = None,
    fresh: bool = False,
) -> Scrape:
    """Create a scrape of `handle` (@name, name or profile URL) and enqueue it
    when the transaction commits. Raises ScrapeError (AlreadyActive when the
    target has an active scrape).

    `add_parts`: called with the new scrape inside the same transaction, for an
    app above scraping to add its own part (content: posts and reels; see
    services/extra_parts.py). Only with it may `lists` be NONE.

    `fresh`: ask Instagram again for what it answered in the last day
    (services/answer_cache.py) instead of using those answers."""
    try:
        username = parse_handle(handle)
    except InvalidHandle as exc:
        raise ScrapeError(str(exc)) from None
    if lists not in Scrape.Lists.values or (lists == Scrape.Lists.NONE and add_parts is None):
        raise ScrapeError(f"Choose followers, following or both, not {lists!r}.")
    if source not in (
        Scrape.Source.AUTO,
        Scrape.Source.WEB,
        Scrape.Source.PRIVATE,
        Scrape.Source.GRAPHQL,
    ):
        raise ScrapeError(f"Choose the client auto, web, private or graphql, not {source!r}.")
    with transaction.atomic():
        target = tracked_account_for(username)
        scrape = create_scrape_of(
            target,
            lists,
            trigger,
            use_private_login,
            source=source,
            countdown=countdown,
            fresh=fresh,
        )
        if add_parts is not None:
            add_parts(scrape)
        return scrape


def create_scrape_of(
    target: TrackedAccount,
    lists: str = Scrape.Lists.BOTH,
    trigger: str = Scrape.Trigger.MANUAL,
    use_private_login: bool = True,
    *,
    source: str = Scrape.Source.AUTO,
    countdown: float | None = None,
    fresh: bool = False,
) -> Scrape:
    now = timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                scrape = Scrape.objects.create(
                    target=target,
                    target_username=target.user.username,
                    lists=lists,
                    trigger=trigger,
                    use_private_login=use_private_login,
                    source=source,
                    fresh=fresh,
                    heartbeat_at=now,
                    resume_at=now + dt.timedelta(seconds=countdown) if countdown else None,
                )
        except IntegrityError:
            # one_active_scrape_per_target: the database itself refuses a second one.
            active = Scrape.objects.filter(target=target, status__in=Scrape.ACTIVE_STATUSES).first()
            raise AlreadyActive(target, active) from None
        ScrapeList.objects.bulk_create(
            [ScrapeList(scrape=scrape, direction=direction) for direction in scrape.directions]
        )
        enqueue(scrape.pk, countdown=countdown)
        wait = f", starts in {countdown:.0f} s" if countdown else ""
        log_status(scrape.pk, target.user.username, "", scrape.status, f"created{wait}", trigger)
    return scrape


def enqueue(
    scrape_id: int, *, countdown: float | None = None, eta: dt.datetime | None = None
) -> None:
    """Send the run task once the current transaction commits."""
    from scraping.tasks import scrape_task

    if countdown is None and eta is None:
        scrape_task.delay_on_commit(scrape_id)  # type: ignore[attr-defined]  # a DjangoTask (Celery's Django fixup); celery-types types it Task
        return
    transaction.on_commit(
        lambda: scrape_task.apply_async((scrape_id,), countdown=countdown, eta=eta)  # type: ignore[arg-type]  # None is Celery's default; the stub says float/datetime
    )


def claim(scrape_id: int, worker: str) -> Scrape | None:
    """Take the scrape for `worker`: queued (and due), waiting whose time has
    come, or running with a stale heartbeat (its worker died). None when another
    worker has it, or it is finished or gone."""
    now = timezone.now()
    due = Q(resume_at__isnull=True) | Q(resume_at__lte=now)
    claimable = (
        Q(status=Status.QUEUED) & due
        | Q(status=Status.WAITING_RATE_LIMIT) & due
        | Q(status=Status.RUNNING, heartbeat_at__lt=now - dt.timedelta(seconds=stale_seconds()))
    )
    claimed = change_status(
        scrape_id,
        Status.RUNNING,
        lambda old: (
            f"taken over by {worker}: its worker stopped"
            if old == Status.RUNNING
            else f"run by {worker}"
        ),
        when=claimable,
        claimed_by=worker,
        heartbeat_at=now,
        resume_at=None,
        attempts=F("attempts") + 1,
        started_at=Coalesce("started_at", Value(now, output_field=DateTimeField())),
    )
    if not claimed:
        return None
    return Scrape.objects.select_related("target__user", "login").get(pk=scrape_id)


def retry_scrape(scrape_id: int, reason: str = "the owner retried it") -> Scrape:
    """Run a scrape that needed attention again, from its checkpoint (the owner
    has fixed the login). Raises ScrapeError when it is not waiting for that."""
    with transaction.atomic():
        updated = change_status(
            scrape_id,
            Status.QUEUED,
            reason,
            when=Q(status=Status.NEEDS_ATTENTION),
            heartbeat_at=timezone.now(),
            resume_at=None,
            retries=0,
        )
        if not updated:
            raise ScrapeError(f"Scrape #{scrape_id} does not need attention; nothing to retry.")
        enqueue(scrape_id)
    return Scrape.objects.get(pk=scrape_id)


def cancel_scrape(scrape_id: int) -> Scrape:
    """Stop an active scrape; nothing it fetched is recorded. A worker running it
    notices at its next page and stops."""
    with transaction.atomic():
        updated = change_status(
            scrape_id,
            Status.CANCELLED,
            "cancelled by the owner",
            when=Q(status__in=Scrape.ACTIVE_STATUSES),
            finished_at=timezone.now(),
            claimed_by="",
            error_code="cancelled",
            error_message="Cancelled by the owner.",
        )
        if not updated:
            raise ScrapeError(f"Scrape #{scrape_id} is not active; nothing to cancel.")
        ScrapeSeen.objects.filter(scrape_id=scrape_id).delete()
    return Scrape.objects.get(pk=scrape_id)


def prune_staging() -> int:
    """Delete staging rows of scrapes that are finished or gone; returns how many.

    The staging table has no database constraints (models.ScrapeSeen), so a
    scrape deleted while a worker was committing a page could leave rows behind.
    The scrapes holding rows are found by index seeks (one a scrape), not by
    reading the rows, which number a list's size while a scrape runs."""
    holders: list[int] = []
    after = 0
    while True:
        found = ScrapeSeen.objects.filter(scrape_id__gt=after).order_by("scrape_id")
        first = found.values_list("scrape_id", flat=True).first()
        if first is None:
            break
        holders.append(first)
        after = first
    live = set(
        Scrape.objects.filter(pk__in=holders, status__in=Scrape.ACTIVE_STATUSES).values_list(
            "pk", flat=True
        )
    )
    dead = [pk for pk in holders if pk not in live]
    if not dead:
        return 0
    deleted, _ = ScrapeSeen.objects.filter(scrape_id__in=dead).delete()
    return deleted


def former_holder(username: str) -> TrackedAccount | None:
    """A tracked account now under another name that was scraped as `username`
    before (it was renamed since)."""
    scrape = (
        Scrape.objects.filter(target_username=username, target__isnull=False)
        .exclude(target__user__username=username)
        .select_related("target__user")
        .order_by("-id")
        .first()
    )
    return scrape.target if scrape is not None else None


def forget_unknown_target(scrape_id: int) -> bool:
    """After a scrape failed because Instagram has no such account: remove the
    tracked account the scrape made for the handle, unless it holds data (a
    finished scrape's history, a bookmark, notes). Its scrapes stay, without a
    target, under the handle they asked for. True when it was removed."""
    with transaction.atomic():
        scrape = Scrape.objects.select_for_update().filter(pk=scrape_id).first()
        if scrape is None or scrape.target_id is None or scrape.status != Status.FAILED:
            return False
        target = TrackedAccount.objects.select_related("user").get(pk=scrape.target_id)
        has_data = (
            target.bookmarked
            or target.notes
            or target.last_scrape_id is not None
            or target.relationships.exists()
            or target.stats.exists()
            or target.scrapes.exclude(status=Status.FAILED).exists()
        )
        if has_data:
            return False
        user = target.user
        Scrape.objects.filter(target=target, target_username="").update(
            target_username=user.username
        )
        Scrape.objects.filter(target=target).update(target=None)
        target.delete()
        # A user row made from the handle alone (no pk, in nobody's list) goes too.
        if user.ig_pk is None and not user.relationships.exists():
            user.delete()
    log.info("scrape #%s: @%s not found; its empty account removed", scrape_id, user.username)
    return True


def resume_stale_scrapes() -> list[int]:
    """Re-enqueue what no worker will run otherwise: running scrapes whose
    heartbeat went stale (a killed worker: the filesystem broker never redelivers),
    waiting scrapes whose resume time passed, and queued ones whose message may
    be lost. Each is re-armed with a conditional UPDATE so a scrape gets one new
    message per stale period, however often this runs."""
    now = timezone.now()
    stale = now - dt.timedelta(seconds=stale_seconds())
    due = Q(resume_at__isnull=True) | Q(resume_at__lte=now)
    revive = (
        Q(status=Status.RUNNING, heartbeat_at__lt=stale) | Q(status=Status.WAITING_RATE_LIMIT) & due
    )
    forgotten = (
        Q(status=Status.QUEUED) & due & (Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=stale))
    )
    resumed = []
    for scrape_id in Scrape.objects.filter(revive | forgotten).values_list("pk", flat=True):
        with transaction.atomic():
            updated = change_status(
                scrape_id,
                Status.QUEUED,
                _resume_reason,
                when=revive | forgotten,
                heartbeat_at=now,
                resume_at=None,
            )
            if updated:
                enqueue(scrape_id)
                resumed.append(scrape_id)
    if resumed:
        log.info("re-enqueued scrapes %s", resumed)
    return resumed


def _resume_reason(old: str) -> str:
    reasons: dict[str, str] = {
        Status.RUNNING: "its worker stopped (no heartbeat); resuming from the checkpoint",
        Status.WAITING_RATE_LIMIT: "the rate-limit pause is over",
    }
    return reasons.get(old, "re-sent: its queue message may be lost")


def refresh_bookmarked() -> list[Scrape]:
    """The nightly refresh: one scrape per bookmarked account, spaced by
    AppSettings.refresh_spacing_seconds so they do not hit Instagram at once."""
    spacing = AppSettings.load().refresh_spacing_seconds
    created: list[Scrape] = []
    targets = TrackedAccount.objects.filter(bookmarked=True).select_related("user").order_by("pk")
    for target in targets:
        try:
            with transaction.atomic():
                scrape = create_scrape_of(
                    target,
                    trigger=Scrape.Trigger.SCHEDULE,
                    countdown=len(created) * spacing or None,
                    # The nightly figures are the night's, never yesterday's answers.
                    fresh=True,
                )
                # The parts the apps above scraping add (content: posts and reels
                # where the owner switched them on), in the scrape's transaction.
                for add_parts in extra_parts.nightly_parts(target):
                    add_parts(scrape)
        except AlreadyActive as exc:
            log.info("nightly refresh skips @%s: %s", target.user.username, exc)
            continue
        created.append(scrape)
    return created


def resume_locked_scrapes() -> list[int]:
    """After the owner unlocked the vault: retry every scrape that waited for it."""
    waiting = Scrape.objects.filter(status=Status.NEEDS_ATTENTION, error_code="vault_locked")
    resumed = []
    for scrape_id in waiting.values_list("pk", flat=True):
        try:
            retry_scrape(scrape_id, "the owner unlocked igdash")
        except ScrapeError:
            continue  # cancelled or retried meanwhile
        resumed.append(scrape_id)
    return resumed
