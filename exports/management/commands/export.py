"""`manage.py export @handle --list followers --format csv [--at N] [--search Q] [-o FILE]`"""

from __future__ import annotations

import os
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from exports import files
from exports.lists import ListError, ListName, find_target, get_list


class Command(BaseCommand):
    help = "Export one list of a tracked account to CSV, JSON or XLSX."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("handle", help="@name or name of a tracked account")
        parser.add_argument(
            "--list",
            dest="list_name",
            default="followers",
            choices=[name.value for name in ListName],
        )
        parser.add_argument(
            "--format", dest="fmt", default="csv", choices=[fmt.value for fmt in files.Format]
        )
        parser.add_argument("--at", help="The list as this scrape (id) saw it; default: now.")
        parser.add_argument("--search", default="", help="Only users whose name contains this.")
        parser.add_argument(
            "-o",
            "--output",
            help="File to write; '-' for standard output. Default: the download's file "
            "name in the current folder.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        target = find_target(options["handle"])
        if target is None:
            raise CommandError(f"No tracked account {options['handle']}.")
        try:
            fmt = files.parse_format(options["fmt"])
            account_list = get_list(
                target, options["list_name"], at=options["at"], search=options["search"]
            )
        except ListError as exc:
            raise CommandError(str(exc)) from None
        output = options["output"] or files.export_filename(account_list, fmt)
        if output == "-":
            count = files.write(account_list, fmt, sys.stdout.buffer)
            sys.stdout.buffer.flush()
            self.stderr.write(f"Exported {count:,} rows.")
            return
        path = Path(output)
        partial = path.with_name(path.name + ".part")
        try:
            with partial.open("wb") as out:
                count = files.write(account_list, fmt, out)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
        self.stdout.write(f"Exported {count:,} rows to {path}.")
