"""What the scrape screens show: a run's progress in words and numbers, the
Scrapes page, and the owner's actions on a run (start, cancel, retry) through
the engine's services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts_app.search import clean_term
from core.keyset import Page, by_id
from scraping import services
from scraping.forms import ScrapeForm
from scraping.models import Direction, Scrape, ScrapeList, ScrapeStats
from scraping.services import extra_parts

PAGE_SIZE = 30
Status = Scrape.Status
RETRYABLE = (Status.FAILED, Status.PARTIAL, Status.CANCELLED)
FINALISED = (Status.SUCCEEDED, Status.PARTIAL)


@dataclass(frozen=True)
class PartProgress:
    """One list of a scrape: its progress, and once the scrape is finalised its
    result (new and lost, with links to those lists on the account page)."""

    name: str
    fetched: int
    expected: int | None
    complete: bool | None
    reason: str  # in plain words (ScrapeList.plain_reason), "" when complete
    new: int | None = None  # None until the scrape is finalised
    lost: int | None = None  # None also for a partial list: nobody is judged lost
    new_url: str = ""
    lost_url: str = ""

    @property
    def percent(self) -> int | None:
        if not self.expected:
            return None
        return min(100, round(100 * self.fetched / self.expected))


def part_results(
    scrape: Scrape, parts: list[ScrapeList], stats: ScrapeStats | None
) -> list[PartProgress]:
    """Each list of `scrape` as the pages show it. New and lost come from the
    scrape's statistics (written when it is finalised); the links open the
    account page on that list as this scrape saw it."""
    # A scrape whose target was not found has no account page (and no stats).
    account = reverse("accounts:detail", args=[scrape.handle]) if scrape.target_id else ""
    results = []
    for part in parts:
        follower = part.direction == Direction.FOLLOWER
        tab = "followers" if follower else "following"
        new = lost = None
        new_url = lost_url = ""
        if stats is not None and account:
            new = stats.new_followers if follower else stats.new_following
            if part.complete:
                lost = stats.lost_followers if follower else stats.lost_following
            at = {"tab": tab, "at": scrape.pk}
            # #lists: the list sits screens below the charts on a phone.
            new_url = f"{account}?{urlencode({**at, 'show': 'new'})}#lists"
            lost_url = f"{account}?{urlencode({**at, 'show': 'lost'})}#lists"
        results.append(
            PartProgress(
                name=tab,
                fetched=part.fetched,
                expected=part.expected,
                complete=part.complete,
                reason=part.plain_reason(),
                new=new,
                lost=lost,
                new_url=new_url,
                lost_url=lost_url,
            )
        )
    return results


@dataclass(frozen=True)
class Progress:
    scrape: Scrape
    parts: list[PartProgress]
    message: str
    # The parts the apps above scraping add (posts and reels), as they report them.
    extras: tuple[extra_parts.ExtraProgress, ...] = ()

    @property
    def finished(self) -> bool:
        return self.scrape.status in Scrape.FINISHED_STATUSES

    @property
    def account_url(self) -> str:
        """ "" when the target is gone (not found on Instagram)."""
        if self.scrape.target is None:
            return ""
        return reverse("accounts:detail", args=[self.scrape.target.user.username])

    @property
    def has_result(self) -> bool:
        """Finalised: new and lost are known (a failed or cancelled run kept nothing)."""
        return self.scrape.status in (Status.SUCCEEDED, Status.PARTIAL)

    @property
    def title(self) -> str:
        name = f"@{self.scrape.handle}"
        if not self.finished:
            return f"Scraping {name}"
        titles: dict[str, str] = {
            Status.SUCCEEDED: f"Scrape of {name} done",
            Status.PARTIAL: f"Scrape of {name} done, in part",
            Status.FAILED: f"Scrape of {name} failed",
        }
        return titles.get(self.scrape.status, f"Scrape of {name} cancelled")

    @property
    def lands_on_account(self) -> bool:
        """Finished with data to show: the browser goes to the account page.
        A failure stays on screen so its reason can be read."""
        return self.scrape.status in (Status.SUCCEEDED, Status.PARTIAL)


def _hhmm(moment: Any) -> str:
    # With its zone: the server's (IGDASH_TIME_ZONE) need not be the browser's.
    return f"{timezone.localtime(moment):%H:%M %Z}" if moment else "soon"


def message(scrape: Scrape) -> str:
    status, why = scrape.status, scrape.error_message
    if status == Status.QUEUED:
        if scrape.resume_at and scrape.resume_at > timezone.now():
            return f"Trying again at {_hhmm(scrape.resume_at)}. {why}".strip()
        return "Queued: waiting for a worker to pick it up."
    if status == Status.RUNNING:
        if scrape.worker_stopped:
            return (
                "Its worker has not been heard from; it continues from its last "
                "stored page once a worker runs again."
            )
        return "Fetching…"
    if status == Status.WAITING_RATE_LIMIT:
        return f"Waiting for the rate limit until {_hhmm(scrape.resume_at)}."
    if status == Status.NEEDS_ATTENTION:
        return f"Needs attention: {why or 'a login needs you (see Settings).'}"
    if status == Status.SUCCEEDED:
        return "Done."
    if status == Status.PARTIAL:
        # `why` is the engine's own wording; each list says it in plain words below.
        return "Done, but Instagram did not show every list in full: see each list below."
    if status == Status.FAILED:
        if scrape.error_code == "not_found":
            return why  # it starts "Not found: ..."
        return f"Failed: {why}" if why else "Failed."
    return "Cancelled."


def progress(scrape_id: int) -> Progress | None:
    scrape = Scrape.objects.select_related("target__user", "login").filter(pk=scrape_id).first()
    if scrape is None:
        return None
    parts = list(ScrapeList.objects.filter(scrape=scrape).order_by("direction"))
    stats = ScrapeStats.objects.filter(scrape=scrape).first()
    extras = tuple(extra_parts.progress_of(scrape))
    return Progress(scrape, part_results(scrape, parts, stats), message(scrape), extras)


def start(form: ScrapeForm) -> Scrape | None:
    """Create the scrape the form asks for; refusals become form errors."""
    try:
        return form.create_scrape()
    except services.AlreadyActive as exc:
        form.add_error("handle", str(exc))
        form.active = exc.active  # type: ignore[attr-defined]  # read by the template
    except services.ScrapeError as exc:
        form.add_error("handle", str(exc))
    return None


def list_page(params: Any) -> tuple[str, Page[Scrape]]:
    account = clean_term(params.get("account")).lower()
    scrapes = Scrape.objects.select_related("target__user", "login", "stats").prefetch_related(
        "parts"
    )
    if account:
        scrapes = scrapes.filter(
            Q(target__user__username=account) | Q(target__isnull=True, target_username=account)
        )
    page = by_id(scrapes, params.get("cursor"), PAGE_SIZE)
    for scrape in page.items:
        # Each row shows its delta per list (+new / -lost) and, for a partial
        # run, why in plain words instead of the engine's error text.
        stats = getattr(scrape, "stats", None) if scrape.status in FINALISED else None
        parts = sorted(scrape.parts.all(), key=lambda part: part.direction)
        scrape.results = part_results(scrape, parts, stats)  # type: ignore[attr-defined]  # read by the template
    return account, page


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
