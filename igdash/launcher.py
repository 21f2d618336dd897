"""The `igdash` console script: Django's manage.py under another name, so that
`igdash serve`, `igdash scrape @x` and `igdash migrate` all work once installed."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "igdash.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["igdash", *(sys.argv[1:] if argv is None else argv)])
