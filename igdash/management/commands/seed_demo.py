"""`igdash seed_demo [--days 21] [--accounts a,b] [--seed 1] [--force]`: weeks
of daily scrapes of the simulator's demo cast, through the real engine, with
their posts and reels on the last days (igdash/demo.py)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from igdash import demo


class Command(BaseCommand):
    help = "Fill the database with a demo history scraped from the built-in Instagram simulator."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--days", type=int, default=21, help="Daily scrapes (default 21).")
        parser.add_argument(
            "--accounts",
            default=",".join(demo.DEFAULT_ACCOUNTS),
            help="Comma-separated demo handles (docs/simulator.md lists the cast).",
        )
        parser.add_argument("--seed", type=int, default=1, help="Simulator seed.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even if other accounts are tracked or the demo is already there.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        accounts = [
            name.strip().lstrip("@") for name in options["accounts"].split(",") if name.strip()
        ]
        if options["days"] < 1 or not accounts:
            raise CommandError("Give at least one day and one account.")
        # The README offers seed_demo on a fresh data folder, before any `serve`
        # has created the database: bring it up to date first, as serve does.
        call_command("migrate", interactive=False, verbosity=0)
        if not options["force"]:
            try:
                demo.check_empty(accounts)
            except demo.DemoRefused as exc:
                raise CommandError(str(exc)) from None
        result = demo.seed(
            days=options["days"],
            accounts=accounts,
            seed_value=options["seed"],
            say=lambda line: self.stdout.write(line),
        )
        statuses = ", ".join(
            f"{count} {status}" for status, count in sorted(result.statuses.items())
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {result.scrapes} scrapes ({statuses}), {result.avatars} avatars "
                f"and {result.thumbnails} post thumbnails."
            )
        )
