"""Run the local fake Instagram in the foreground (Ctrl+C stops it). See docs/simulator.md."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from scraping.simulator import CAST, make_server


class Command(BaseCommand):
    help = "Run the Instagram simulator (tests and demos only; never production)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same users.")
        parser.add_argument(
            "--public-url",
            default=None,
            help="Base URL browsers use to reach it (picture URLs point there).",
        )
        parser.add_argument("--verbose", action="store_true", help="Log every request.")

    def handle(self, *args: Any, **options: Any) -> None:
        server = make_server(
            options["host"],
            options["port"],
            seed=options["seed"],
            public_url=options["public_url"],
            verbose=options["verbose"],
        )
        url = server.world.public_url
        self.stdout.write(f"Instagram simulator (seed {options['seed']}) on {url}")
        self.stdout.write(f"Point igdash at it:  IGDASH_INSTAGRAM_WEB_URL={url}")
        self.stdout.write(f"                     IGDASH_INSTAGRAM_API_URL={url}")
        self.stdout.write("                     IGDASH_RATE_LIMITS=off  (no windows or pauses)")
        self.stdout.write("                     (in .env: restart igdash to read it)")
        logins = ", ".join(
            f"{m.username}/{m.password}"
            + (f" (code {m.two_factor_code})" if m.two_factor_code else "")
            for m in CAST
            if m.password
        )
        self.stdout.write(f"Demo logins: {logins}")
        self.stdout.write(f"Targets: {', '.join(m.username for m in CAST if not m.password)}")
        self.stdout.write(f"Control API: {url}/__sim__/  (Ctrl+C to stop)")
        try:
            server.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            self.stdout.write("Stopping.")
        finally:
            server.server_close()
