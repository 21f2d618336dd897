"""`manage.py export @handle --list followers --format csv [--at N] [--search Q] [-o FILE]`

`--list posts` and `--list hashtags` export the account's posts and reels, or
its hashtag table (exports/posts.py); --search does not apply to them."""

from __future__ import annotations

import os
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any, BinaryIO

from django.core.management.base import BaseCommand, CommandError

from exports import files
from exports.audience import audience_list_names, get_audience_export
from exports.lists import ListError, ListName, find_target, get_list
from exports.posts import content_list_names, get_content_export


class Command(BaseCommand):
    help = "Export one list, or the posts or hashtags, of a tracked account to CSV, JSON or XLSX."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("handle", help="@name or name of a tracked account")
        parser.add_argument(
            "--list",
            dest="list_name",
            default="followers",
            choices=[name.value for name in ListName]
            + content_list_names()
            + audience_list_names(),
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
        audience = options["list_name"] in audience_list_names()
        content = options["list_name"] in content_list_names() or audience
        if content and options["search"]:
            raise CommandError("--search filters follower lists, not posts or comments.")
        if audience and options["at"]:
            raise CommandError("--at applies to follower lists and posts, not comments.")
        try:
            fmt = files.parse_format(options["fmt"])
            export: Any
            if audience:
                export = get_audience_export(target, options["list_name"])
            elif content:
                export = get_content_export(target, options["list_name"], at=options["at"])
            else:
                account_list = get_list(
                    target, options["list_name"], at=options["at"], search=options["search"]
                )
        except ListError as exc:
            raise CommandError(str(exc)) from None

        def write(out: BinaryIO) -> int:
            if content:
                return export.write(fmt, out)
            return files.write(account_list, fmt, out)

        default = export.filename(fmt) if content else files.export_filename(account_list, fmt)
        output = options["output"] or default
        if output == "-":
            count = write(sys.stdout.buffer)
            sys.stdout.buffer.flush()
            self.stderr.write(f"Exported {count:,} rows.")
            return
        path = Path(output)
        partial = path.with_name(path.name + ".part")
        try:
            with partial.open("wb") as out:
                count = write(out)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
        self.stdout.write(f"Exported {count:,} rows to {path}.")
