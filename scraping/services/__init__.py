"""The scrape engine's public API, for views, commands and tasks.

create_scrape(handle, lists, trigger, use_private_login) -> Scrape
run_scrape(scrape_id) -> Scrape | None        (what the task runs)
retry_scrape(scrape_id), cancel_scrape(scrape_id) -> Scrape
resume_stale_scrapes() -> list[int], refresh_bookmarked() -> list[Scrape]
ScrapeError (AlreadyActive): refusals with a message for the owner
"""

from __future__ import annotations

from scraping.services.engine import run_scrape
from scraping.services.scrapes import (
    AlreadyActive,
    ScrapeError,
    cancel_scrape,
    create_scrape,
    create_scrape_of,
    refresh_bookmarked,
    resume_locked_scrapes,
    resume_stale_scrapes,
    retry_scrape,
)

__all__ = [
    "AlreadyActive",
    "ScrapeError",
    "cancel_scrape",
    "create_scrape",
    "create_scrape_of",
    "refresh_bookmarked",
    "resume_locked_scrapes",
    "resume_stale_scrapes",
    "retry_scrape",
    "run_scrape",
]
