"""What the scrape screens show: a run's progress in words and numbers, the
Scrapes page, and the owner's actions on a run (start, cancel, retry) through
the engine's services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from igdash.keyset import Page, by_id
from scraping import services
from scraping.forms import ScrapeForm
from scraping.models import Direction, Scrape, ScrapeList

PAGE_SIZE = 30
Status = Scrape.Status
RETRYABLE = (Status.FAILED, Status.PARTIAL, Status.CANCELLED)
TONES = {
    Status.QUEUED: "info",
    Status.RUNNING: "info",
    Status.WAITING_RATE_LIMIT: "warn",
    Status.NEEDS_ATTENTION: "warn",
    Status.SUCCEEDED: "ok",
    Status.PARTIAL: "warn",
    Status.FAILED: "error",
    Status.CANCELLED: "muted",
}


@dataclass(frozen=True)
class PartProgress:
    name: str
    fetched: int
    expected: int | None
    complete: bool | None
    reason: str

    @property
    def percent(self) -> int | None:
        if not self.expected:
            return None
        return min(100, round(100 * self.fetched / self.expected))


@dataclass(frozen=True)
class Progress:
    scrape: Scrape
    parts: list[PartProgress]
    message: str

    @property
    def finished(self) -> bool:
        return self.scrape.status in Scrape.FINISHED_STATUSES

    @property
    def tone(self) -> str:
        return TONES.get(self.scrape.status, "info")

    @property
    def account_url(self) -> str:
        """ "" when the target is gone (not found on Instagram)."""
        if self.scrape.target_id is None:
            return ""
        return reverse("accounts:detail", args=[self.scrape.target.user.username])

    @property
    def lands_on_account(self) -> bool:
        """Finished with data to show: the browser goes to the account page.
        A failure stays on screen so its reason can be read."""
        return self.scrape.status in (Status.SUCCEEDED, Status.PARTIAL)


def _hhmm(moment: Any) -> str:
    return f"{timezone.localtime(moment):%H:%M}" if moment else "soon"


def message(scrape: Scrape) -> str:
    status, why = scrape.status, scrape.error_message
    if status == Status.QUEUED:
        if scrape.resume_at and scrape.resume_at > timezone.now():
            return f"Trying again at {_hhmm(scrape.resume_at)}. {why}".strip()
        return "Queued: waiting for a worker to pick it up."
    if status == Status.RUNNING:
        return "Fetching…"
    if status == Status.WAITING_RATE_LIMIT:
        return f"Waiting for the rate limit until {_hhmm(scrape.resume_at)}."
    if status == Status.NEEDS_ATTENTION:
        return f"Needs attention: {why or 'a login needs you (see Settings).'}"
    if status == Status.SUCCEEDED:
        return "Done."
    if status == Status.PARTIAL:
        return f"Done, but incomplete: {why}" if why else "Done, but incomplete."
    if status == Status.FAILED:
        if scrape.error_code == "not_found":
            return why  # it starts "Not found: ..."
        return f"Failed: {why}" if why else "Failed."
    return "Cancelled."


def progress(scrape_id: int) -> Progress | None:
    scrape = Scrape.objects.select_related("target__user").filter(pk=scrape_id).first()
    if scrape is None:
        return None
    parts = [
        PartProgress(
            name="followers" if part.direction == Direction.FOLLOWER else "following",
            fetched=part.fetched,
            expected=part.expected,
            complete=part.complete,
            reason=part.incomplete_reason,
        )
        for part in ScrapeList.objects.filter(scrape=scrape).order_by("direction")
    ]
    return Progress(scrape, parts, message(scrape))


def start(form: ScrapeForm) -> Scrape | None:
    """Create the scrape the form asks for; refusals become form errors."""
    try:
        return services.create_scrape(
            form.cleaned_data["handle"],
            form.cleaned_data["lists"],
            Scrape.Trigger.MANUAL,
            form.cleaned_data["use_private_login"],
        )
    except services.AlreadyActive as exc:
        form.add_error("handle", str(exc))
        form.active = exc.active  # type: ignore[attr-defined]
    except services.ScrapeError as exc:
        form.add_error("handle", str(exc))
    return None


def list_page(params: Any) -> tuple[str, Page[Scrape]]:
    account = (params.get("account") or "").strip().removeprefix("@").lower()
    scrapes = Scrape.objects.select_related("target__user", "login")
    if account:
        scrapes = scrapes.filter(
            Q(target__user__username=account) | Q(target__isnull=True, target_username=account)
        )
    return account, by_id(scrapes, params.get("cursor"), PAGE_SIZE)


def cancel(scrape: Scrape) -> str | None:
    """None when cancelled, else why not."""
    try:
        services.cancel_scrape(scrape.pk)
    except services.ScrapeError as exc:
        return str(exc)
    return None


def retry(scrape: Scrape) -> tuple[Scrape | None, str | None]:
    """A run that needs attention resumes from its checkpoint; a finished one
    that failed, stopped short or was cancelled starts again as a new scrape."""
    try:
        if scrape.status == Status.NEEDS_ATTENTION:
            return services.retry_scrape(scrape.pk), None
        if scrape.status not in RETRYABLE:
            return None, f"Scrape #{scrape.pk} is {scrape.get_status_display().lower()}."
        if scrape.target is None:  # not found last time: ask for the handle again
            handle, lists = scrape.target_username, scrape.lists
            trigger, private = Scrape.Trigger.MANUAL, scrape.use_private_login
            return services.create_scrape(handle, lists, trigger, private), None
        return services.create_scrape_of(
            scrape.target, scrape.lists, Scrape.Trigger.MANUAL, scrape.use_private_login
        ), None
    except services.ScrapeError as exc:
        return None, str(exc)
