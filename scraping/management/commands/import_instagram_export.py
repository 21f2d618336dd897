"""`manage.py import_instagram_export FILE [FILE...] --account @handle`

Imports Instagram's "Download your information" export (the .zip, several zips
of a split export, or the followers_N / following JSON or HTML files) as a scrape
of the account: new and lost against the previous scrape, like any scrape.
Refused files, a bad handle or an active scrape exit 1 with one line on stderr,
and nothing is written. docs/import.md.
"""

from __future__ import annotations

from argparse import ArgumentParser
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from scraping import imports
from scraping.services import ScrapeError


class Command(BaseCommand):
    help = "Import Instagram's own data export (followers and following) as a scrape."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "files",
            nargs="+",
            metavar="FILE",
            help="The export's .zip, or its followers_N.json / following.json (or .html) files.",
        )
        parser.add_argument(
            "--account", required=True, help="Whose export it is: @name, name or profile URL."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with ExitStack() as files:
                sources = [
                    imports.Source(Path(path).name, files.enter_context(Path(path).open("rb")))
                    for path in options["files"]
                ]
                scrape = imports.import_export(options["account"], sources)
        except OSError as exc:
            raise CommandError(f"Cannot read {exc.filename}: {exc.strerror}.") from None
        except (imports.ImportFileError, ScrapeError) as exc:
            raise CommandError(" ".join(str(exc).split())) from None
        self.stdout.write(imports.summary(scrape))
