"""A realistic demo history, made through the same code path real scrapes take.

The simulator runs in-process; INSTAGRAM_WEB_URL / API_URL point at it; the demo
login is stored like any login; then for each simulated day the simulator's
calendar moves on and every demo account is scraped by the real engine
(services.create_scrape, its task run eagerly). Only two things differ from
production, both for the demo's sake: the rate limits are off (weeks of scrapes
in a minute), and each day's scrapes are moved back in time afterwards so the
charts spread over those weeks. On the last CONTENT_DAYS days each scrape also
lists the account's posts and reels and the comments of the last 12 posts
(audience.services.create_scrape), so the content figures have a few days of
metrics history and the Audience tab has commenters. The demo login is deleted at the end: its
session belongs to a simulator that is gone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from accounts_app import avatars
from accounts_app.models import IgUser, LoginCredential, TrackedAccount
from audience import services as audience_services
from content import thumbnails
from content.models import ContentPart, Post
from notify.models import Event
from scraping import services
from scraping.models import Scrape, ScrapeStats
from scraping.services import logins

if TYPE_CHECKING:
    from scraping.simulator.server import SimulatorServer

DEMO_LOGIN = "demo_owner"
DEFAULT_ACCOUNTS = ("demo_small", "demo_owner", "demo_unicode", "demo_renames", "demo_capped")
BOOKMARKED = ("demo_small", "demo_owner")
# The comments of the last N posts, on the days that list posts (the Audience tab).
DEMO_COMMENT_POSTS = 12
# The last days whose scrapes also list posts and reels: metrics with a history
# (young posts still climb in the simulator), at a few requests an account.
CONTENT_DAYS = 3
# Settings (IGDASH_PACING=off and so on, see .env.example) for the demo's run.
NO_LIMITS = {
    "PACING": False,
    "RATE_INLINE_WAIT": 0.0,
    "RATE_WEB_API_LIMIT": 0,
    "RATE_GRAPHQL_LIMIT": 0,
    "RATE_MOBILE_API_LIMIT": 0,
}


class DemoRefused(Exception):
    """The database holds the owner's own data; a demo would mix into it."""


@dataclass
class DemoResult:
    scrapes: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    avatars: int = 0
    thumbnails: int = 0


@contextmanager
def _simulated_instagram(seed: int) -> Iterator[SimulatorServer]:
    from scraping.simulator.server import start_simulator, stop_simulator

    server, base = start_simulator(seed=seed)
    saved = (settings.INSTAGRAM_WEB_URL, settings.INSTAGRAM_API_URL)
    saved_limits = {name: getattr(settings, name) for name in NO_LIMITS}
    settings.INSTAGRAM_WEB_URL = settings.INSTAGRAM_API_URL = base
    for name, value in NO_LIMITS.items():
        setattr(settings, name, value)
    try:
        yield server
    finally:
        settings.INSTAGRAM_WEB_URL, settings.INSTAGRAM_API_URL = saved
        for name, value in saved_limits.items():
            setattr(settings, name, value)
        stop_simulator(server)


@contextmanager
def _tasks_inline() -> Iterator[None]:
    from igdash.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = before


def check_empty(accounts: Sequence[str]) -> None:
    others = TrackedAccount.objects.exclude(user__username__in=accounts)
    if others.exists():
        names = ", ".join(f"@{t.user.username}" for t in others.select_related("user")[:5])
        raise DemoRefused(
            f"This database already tracks {names}: seed the demo into an empty data "
            "folder instead (`IGDASH_DATA_DIR=./demo-data .venv/bin/igdash seed_demo`; in "
            'PowerShell `$env:IGDASH_DATA_DIR="demo-data"; .venv\\Scripts\\igdash.exe '
            "seed_demo`), or pass --force to add the demo to this one."
        )
    # A second run starts its days again from day 0 and would slide them between the
    # first run's scrapes: two interleaved histories, every delta wrong.
    seeded = TrackedAccount.objects.filter(user__username__in=accounts, last_scrape__isnull=False)
    if seeded.exists():
        names = ", ".join(f"@{t.user.username}" for t in seeded.select_related("user")[:5])
        raise DemoRefused(
            f"This data folder already holds the demo ({names} have scrapes): a second run "
            "would mix a new history into the old one. Seed into a new, empty data folder "
            "(`IGDASH_DATA_DIR=./demo-data2 .venv/bin/igdash seed_demo`), or pass --force."
        )


def seed(
    *,
    days: int = 21,
    accounts: Sequence[str] = DEFAULT_ACCOUNTS,
    seed_value: int = 1,
    say: Callable[[str], None] = print,
) -> DemoResult:
    result = DemoResult()
    today = timezone.now()
    with _simulated_instagram(seed_value) as server, _tasks_inline():
        world = server.world
        owner = world.cast_index(DEMO_LOGIN)
        assert owner is not None  # the simulator's cast includes the demo login
        login = logins.store_login(DEMO_LOGIN, sessionid=world.new_session(owner))
        try:
            for day in range(days):
                world.set_day(day)
                since = timezone.now()
                content = day >= days - CONTENT_DAYS
                for handle in accounts:
                    if content:
                        # fresh: each simulated day is a new day for Instagram, but
                        # minutes apart for the answer cache.
                        # With the comments of the last posts: the Audience tab.
                        scrape = audience_services.create_scrape(
                            handle,
                            posts=DEMO_COMMENT_POSTS,
                            lists=Scrape.Lists.BOTH,
                            trigger=Scrape.Trigger.COMMAND,
                            content=(ContentPart.Mode.ALL, None, None),
                            fresh=True,
                        )
                    else:
                        scrape = services.create_scrape(handle, trigger=Scrape.Trigger.COMMAND)
                    scrape.refresh_from_db()
                    result.scrapes += 1
                    result.statuses[scrape.status] = result.statuses.get(scrape.status, 0) + 1
                if day < days - 1:
                    # The owner has seen the earlier days: the bell shows the last one's.
                    Event.objects.filter(created_at__gte=since).update(read=True)
                _move_back(since, today - dt.timedelta(days=days - 1 - day))
                what = "accounts, their posts and comments" if content else "accounts"
                say(f"day {day + 1}/{days}: {len(accounts)} {what} scraped")
            result.avatars = _cache_avatars()
            result.thumbnails = _cache_thumbnails()
        finally:
            LoginCredential.objects.filter(pk=login.pk).delete()
    TrackedAccount.objects.filter(user__username__in=BOOKMARKED).update(bookmarked=True)
    return result


def _move_back(since: dt.datetime, day: dt.datetime) -> None:
    """Shift the scrapes made since `since`, and what the bell recorded of
    them, so that they happened on `day`."""
    shift = timezone.now() - day
    if shift < dt.timedelta(minutes=1):
        return
    made = Scrape.objects.filter(created_at__gte=since)
    ids = list(made.values_list("pk", flat=True))
    made.update(
        created_at=F("created_at") - shift,
        started_at=F("started_at") - shift,
        finished_at=F("finished_at") - shift,
        heartbeat_at=F("heartbeat_at") - shift,
    )
    ScrapeStats.objects.filter(scrape_id__in=ids).update(taken_at=F("taken_at") - shift)
    Event.objects.filter(created_at__gte=since).update(created_at=F("created_at") - shift)
    TrackedAccount.objects.filter(last_scrape_id__in=ids).update(
        last_scraped_at=F("last_scraped_at") - shift
    )


def _cache_thumbnails() -> int:
    """Post thumbnails too: the simulator's CDN is gone after the demo."""
    stored = 0
    ids = list(Post.objects.exclude(thumbnail_url="").values_list("pk", flat=True))
    for start in range(0, len(ids), thumbnails.MAX_PER_CALL):
        stored += thumbnails.cache_thumbnails(ids[start : start + thumbnails.MAX_PER_CALL])
    return stored


def _cache_avatars() -> int:
    """Pictures come from the simulator's CDN while it still runs."""
    stored = 0
    ids = list(IgUser.objects.exclude(profile_pic_url="").values_list("pk", flat=True))
    for start in range(0, len(ids), avatars.MAX_PER_CALL):
        stored += avatars.cache_avatars(ids[start : start + avatars.MAX_PER_CALL])
    return stored
