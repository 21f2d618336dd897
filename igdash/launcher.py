"""The `igdash` console script: Django's manage.py under another name, so that
`igdash serve`, `igdash scrape @x` and `igdash migrate` all work once installed."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None, prog: str = "igdash") -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "igdash.settings")
    from django.core.management import execute_from_command_line

    from core.env import ConfigError

    try:
        execute_from_command_line([prog, *(sys.argv[1:] if argv is None else argv)])
    except ConfigError as exc:  # a bad variable: one line, not a traceback
        print(f"{prog}: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
