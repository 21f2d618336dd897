"""Parts of a scrape that the apps above scraping add, such as the posts and reels
of content analytics.

scraping may not import those apps (docs/architecture.md), so they register an
ExtraPart here from their AppConfig.ready(). The engine runs every part a scrape
wants after its follower lists, with the same client, login and limiter (the
engine's Run), so a part gets the lists' guarantees: its requests are paced and
counted by the shared limiter, and an Instagram failure it lets through ends in
the same states (429: waiting; logout: needs attention; network: retried).
finalise() asks each part for its verdict inside the transaction that ends the
scrape: a reason makes the scrape partial, like an incomplete list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from accounts_app.models import TrackedAccount
    from scraping.models import Scrape
    from scraping.services.engine import Run


@dataclass(frozen=True)
class ExtraProgress:
    """How far a part got, as the scrape's progress shows it."""

    name: str  # "posts and reels"
    fetched: int  # what it stored so far (posts listed)
    pages: int  # pages received
    summary: str  # the counts in the owner's words ("42 posts listed · 3 pages")
    percent: int | None  # None when the part cannot tell how much is left
    seconds_left: float | None  # the estimated time left, None when it cannot tell
    complete: bool | None  # judged at finalise; None before
    reason: str  # why it is not complete, "" when it is (or not judged yet)


class ExtraPart(Protocol):
    # What the part lists, in the owner's words ("posts and reels"): the start of
    # its line in the scrape's reasons.
    label: str

    def wanted(self, scrape: Scrape) -> bool:
        """Whether this scrape includes the part (the part keeps its own options)."""
        ...

    def page_through(self, run: Run, target_pk: int) -> None:
        """Fetch the part page by page with run.client, writing a checkpoint per
        page so that a resumed run goes on from it. Runs again after a resume:
        it must skip what its checkpoint says is done."""
        ...

    def finalise(self, scrape: Scrape) -> str:
        """Settle what was fetched (inside finalise's transaction). Returns "" when
        the part is complete, else why not, in the owner's words."""
        ...


PARTS: list[ExtraPart] = []


def register(part: ExtraPart) -> None:
    """Called from an AppConfig.ready(); registering twice is harmless."""
    if all(type(known) is not type(part) for known in PARTS):
        PARTS.append(part)


def wanted_by(scrape: Scrape) -> list[ExtraPart]:
    return [part for part in PARTS if part.wanted(scrape)]


def progress_of(scrape: Scrape) -> list[ExtraProgress]:
    """The progress of each part the scrape has, for the parts that report one
    (an optional `progress(scrape) -> ExtraProgress | None` of the part)."""
    found = []
    for part in PARTS:
        report = getattr(part, "progress", None)
        line = report(scrape) if report is not None else None
        if line is not None:
            found.append(line)
    return found


# The nightly refresh asks each of these, per bookmarked account, for the parts to
# add to its scrape (None: none for this account); content adds posts and reels
# where the owner switched them on. Registered from an AppConfig.ready().
AddParts = Callable[["Scrape"], object]
NIGHTLY: list[Callable[[TrackedAccount], AddParts | None]] = []


def register_nightly(hook: Callable[[TrackedAccount], AddParts | None]) -> None:
    if hook not in NIGHTLY:
        NIGHTLY.append(hook)


def nightly_parts(target: TrackedAccount) -> list[AddParts]:
    return [add for hook in NIGHTLY if (add := hook(target)) is not None]
