"""`manage.py scrape @handle|URL [--followers] [--following] [--content [--posts N |
--since YYYY-MM-DD]] [--fresh] [--comments [--posts N]] [--wait] [--private]`

Creates and enqueues a scrape: the follower lists, the posts and reels
(--content; alone it lists no follower list), or both. With --wait it follows the scrape to its end,
printing progress and a summary: a running worker (`igdash serve`) does the work
when there is one, otherwise this command runs it itself, sleeping through rate
limit pauses. A failed, cancelled or stuck scrape exits non-zero with one line on
stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import threading
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, close_old_connections, connection
from django.utils import timezone

from audience import services as audience_services
from audience.models import CommentPart
from content import services as content_services
from content.models import ContentPart
from core.heartbeat import live_workers
from scraping import services
from scraping.models import Direction, Scrape, ScrapeList
from scraping.services.engine import DIRECTION_NAMES

Status = Scrape.Status
POLL_SECONDS = 0.5
log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Scrape the followers, following and/or posts and reels of an Instagram account."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("handle", help="@name, name or an instagram.com profile URL")
        parser.add_argument(
            "--followers", action="store_true", help="Only followers (default both)."
        )
        parser.add_argument("--following", action="store_true", help="Only following.")
        parser.add_argument(
            "--content",
            action="store_true",
            help="Also list the posts and reels (alone: only them, no follower list).",
        )
        parser.add_argument(
            "--posts", type=int, metavar="N", help="With --content: only the N newest of each."
        )
        parser.add_argument(
            "--since",
            type=_date,
            metavar="YYYY-MM-DD",
            help="With --content: only the posts since that day.",
        )
        parser.add_argument(
            "--fresh",
            action="store_true",
            help="Ask Instagram again for the profile and posts listings instead of using "
            "its answers of the last day (IGDASH_INSTAGRAM_CACHE_HOURS).",
        )
        parser.add_argument(
            "--comments",
            action="store_true",
            help="List the comments of the last N posts (--posts N, default 12) with the "
            "posts themselves (alone: no follower list).",
        )
        parser.add_argument("--wait", action="store_true", help="Follow the scrape to its end.")
        parser.add_argument(
            "--private",
            action="store_true",
            help="Allow the private (mobile) API login when the web API cannot do it.",
        )
        parser.add_argument(
            "--client",
            choices=["auto", "web", "private", "graphql"],
            default="auto",
            help="Force one client (default: chosen per target).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        lists = Scrape.Lists.BOTH
        if options["followers"] != options["following"]:
            lists = Scrape.Lists.FOLLOWERS if options["followers"] else Scrape.Lists.FOLLOWING
        elif (options["content"] or options["comments"]) and not options["followers"]:
            lists = Scrape.Lists.NONE
        chooses = options["posts"] is not None or options["since"]
        if chooses and not (options["content"] or options["comments"]):
            raise CommandError("--posts and --since choose posts: add --content or --comments.")
        if options["comments"] and (options["content"] or options["since"]):
            raise CommandError("--comments lists the last N posts itself: drop --content/--since.")
        common = {
            "lists": lists,
            "trigger": Scrape.Trigger.COMMAND,
            "use_private_login": options["private"] or options["client"] == "private",
            "source": options["client"],
            "fresh": options["fresh"],
        }
        try:
            if options["comments"]:
                scrape = audience_services.create_scrape(
                    options["handle"], posts=options["posts"], **common
                )
            elif options["content"]:
                scrape = content_services.create_scrape(
                    options["handle"], posts=options["posts"], since=options["since"], **common
                )
            else:
                scrape = services.create_scrape(options["handle"], **common)
        except services.ScrapeError as exc:
            raise CommandError(_one_line(str(exc))) from None
        name = f"@{scrape.handle}"
        if not options["wait"]:
            self.stdout.write(
                f"Scrape #{scrape.pk} of {name} queued ({scrape.get_lists_display()})."
            )
            return
        self.stdout.write(f"Scrape #{scrape.pk} of {name} started.")
        runner = None
        if not live_workers():
            runner = threading.Thread(target=_run_here, args=(scrape.pk,), daemon=True)
            runner.start()
        scrape = self._follow(scrape.pk, runner)
        if runner is not None:
            runner.join(timeout=5)
        self._summary(scrape)

    def _follow(self, scrape_id: int, runner: threading.Thread | None) -> Scrape:
        shown = ""
        while True:
            runner_gone = runner is not None and not runner.is_alive()
            try:
                scrape = Scrape.objects.get(pk=scrape_id)
                line = _progress(scrape)
            except OperationalError as exc:
                # SQLite's shared-cache databases (the test suite's in-memory one)
                # refuse a read while the run writes, without waiting: read again.
                if "locked" not in str(exc):
                    raise
                time.sleep(POLL_SECONDS)
                continue
            if line != shown:
                self.stdout.write(line)
                self.stdout.flush()
                shown = line
            if scrape.status in Scrape.FINISHED_STATUSES or scrape.status == Status.NEEDS_ATTENTION:
                return scrape
            if runner_gone:
                # The run in this process ended without finishing the scrape (an error,
                # logged): waiting on would wait forever.
                raise CommandError(
                    f"scrape #{scrape_id} stopped here while {scrape.status} (see the log); "
                    "the worker resumes it when it runs"
                )
            time.sleep(POLL_SECONDS)

    def _summary(self, scrape: Scrape) -> None:
        name = f"@{scrape.handle}"
        if scrape.status not in (Status.SUCCEEDED, Status.PARTIAL):
            raise CommandError(
                _one_line(f"scrape #{scrape.pk} of {name} {scrape.status}: {scrape.error_message}")
            )
        took = f" in {scrape.duration:.1f} s" if scrape.duration is not None else ""
        self.stdout.write(
            f"Scrape #{scrape.pk} of {name} {scrape.status}{took} ({scrape.client_reason})."
        )
        stats = getattr(scrape, "stats", None)
        for part in scrape.parts.order_by("direction"):
            new, lost = _new_lost(stats, part)
            expected = f"{part.expected:,}" if part.expected is not None else "?"
            verdict = "complete" if part.complete else f"partial. {part.plain_reason()}"
            lost_text = f"{lost:,} lost" if part.complete else "lost not judged"
            self.stdout.write(
                f"  {DIRECTION_NAMES[part.direction]}: {part.fetched:,} fetched of {expected}, "
                f"{new:,} new, {lost_text}, {verdict}"
            )
        content = ContentPart.objects.filter(scrape=scrape).first()
        if content is not None:
            verdict = "complete" if content.complete else f"partial: {content.incomplete_reason}"
            removed = f"{content.removed:,} removed" if content.complete else "removals not judged"
            plays = (
                f", {content.info_fetched:,} play counts fetched" if content.info_fetched else ""
            )
            # A window (the last N, since a day) lists whole pages and judges only
            # its own posts: say which, so "17 listed" of 24 does not read as loss.
            window = ""
            if content.mode == ContentPart.Mode.LAST:
                window = f" (the newest {content.limit})"
            elif content.mode == ContentPart.Mode.SINCE and content.since:
                window = f" (since {content.since:%Y-%m-%d})"
            self.stdout.write(
                f"  posts and reels{window}: {content.fetched:,} listed, "
                f"{content.new_posts:,} new, {removed}{plays}, {verdict}"
            )
        comments = CommentPart.objects.filter(scrape=scrape).first()
        if comments is not None:
            verdict = "complete" if comments.complete else f"partial: {comments.incomplete_reason}"
            self.stdout.write(
                f"  comments of the last {comments.posts} posts: {comments.fetched:,} listed, "
                f"{comments.new_comments:,} new, {comments.removed:,} removed, {verdict}"
            )


LOCKED_RETRIES = 5


def _run_here(scrape_id: int) -> None:
    """Run the scrape in this process until it ends or needs the owner; sleep
    through rate-limit and retry pauses instead of giving up. A claim that found
    the database locked (another process held it past the timeout; in the test
    suite's shared-cache database, this command's own progress read) is tried
    again, a few times; a scrape already claimed is left to the stale-scrape
    resumer, as before."""
    locked = 0
    try:
        while True:
            try:
                services.run_scrape(scrape_id)
            except OperationalError as exc:
                if "locked" not in str(exc) or locked >= LOCKED_RETRIES or _claimed(scrape_id):
                    raise
                locked += 1
                log.warning("scrape #%s: the database was locked; trying again", scrape_id)
                close_old_connections()
                time.sleep(0.5 * locked)
                continue
            scrape = Scrape.objects.get(pk=scrape_id)
            if scrape.status not in (Status.QUEUED, Status.WAITING_RATE_LIMIT, Status.RUNNING):
                return
            wait = (scrape.resume_at - timezone.now()).total_seconds() if scrape.resume_at else 1
            time.sleep(min(max(wait, 0.2), 60))
            close_old_connections()
    except Exception:
        log.exception("scrape #%s: the run in this process stopped", scrape_id)
    finally:
        connection.close()


def _claimed(scrape_id: int) -> bool:
    return not Scrape.objects.filter(
        pk=scrape_id, status__in=(Status.QUEUED, Status.WAITING_RATE_LIMIT)
    ).exists()


def _progress(scrape: Scrape) -> str:
    parts = ", ".join(
        f"{DIRECTION_NAMES[part.direction]} {part.fetched:,}/"
        f"{f'{part.expected:,}' if part.expected is not None else '?'}"
        for part in ScrapeList.objects.filter(scrape=scrape).order_by("direction")
    )
    content = ContentPart.objects.filter(scrape=scrape).first()
    if content is not None:
        listed = f"posts and reels {content.fetched:,}"
        parts = f"{parts}, {listed}" if parts else listed
    comments = CommentPart.objects.filter(scrape=scrape).first()
    if comments is not None:
        parts = f"{parts}, comments {comments.fetched:,}"
    text = f"  {scrape.get_status_display().lower()}: {parts}"
    if scrape.status == Status.WAITING_RATE_LIMIT and scrape.resume_at:
        text += f" (resuming at {timezone.localtime(scrape.resume_at):%H:%M:%S})"
    return text


def _new_lost(stats: Any, part: ScrapeList) -> tuple[int, int]:
    if stats is None:
        return 0, 0
    if part.direction == Direction.FOLLOWER:
        return stats.new_followers, stats.lost_followers
    return stats.new_following, stats.lost_following


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2026-01-31") from None


def _one_line(text: str) -> str:
    return " ".join(text.split())
