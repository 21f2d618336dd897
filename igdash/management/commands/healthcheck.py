"""`igdash healthcheck [--component web|worker|all]`: exit 0 when healthy, 1 with
one line on stderr otherwise. For Docker healthchecks and service monitors."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand

from igdash import health

COMPONENTS = {
    "web": ("database",),
    "worker": ("database", "broker", "worker"),
    "all": ("database", "broker", "worker"),
}


class Command(BaseCommand):
    help = "Exit 0 when the chosen component is healthy, 1 otherwise."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--component", choices=sorted(COMPONENTS), default="all")

    def handle(self, *args: Any, component: str, **options: Any) -> None:
        checks = health.run_checks()
        failing = [f"{n}: {checks[n].detail}" for n in COMPONENTS[component] if not checks[n].ok]
        if failing:
            sys.stderr.write("unhealthy: " + "; ".join(failing) + "\n")
            raise SystemExit(1)
        self.stdout.write("ok")
