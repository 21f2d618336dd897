"""igdash api_token create NAME [--scope read|write] [--expires-days N] | list | revoke NAME"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from api import tokens
from api.models import ApiToken


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "never"


class Command(BaseCommand):
    help = "Create, list and revoke the JSON API's personal tokens (docs/api.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="make a token and print it (once)")
        create.add_argument("name")
        create.add_argument("--scope", choices=ApiToken.Scope.values, default=ApiToken.Scope.READ)
        create.add_argument("--expires-days", type=int, default=None)
        sub.add_parser("list", help="the tokens, with their last use")
        revoke = sub.add_parser("revoke", help="stop a token from working")
        revoke.add_argument("name")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except tokens.TokenError as exc:
            raise CommandError(str(exc)) from None

    def _create(self, options: dict[str, Any]) -> None:
        row, token = tokens.create(options["name"], options["scope"], options["expires_days"])
        expires = f", expires {_when(row.expires_at)}" if row.expires_at else ""
        self.stderr.write(
            f"API token {row.name!r} ({row.scope}{expires}). It is shown this once; "
            "igdash keeps only its hash:"
        )
        self.stdout.write(token)

    def _list(self, options: dict[str, Any]) -> None:
        rows = tokens.listing()
        if not rows:
            self.stdout.write("No API tokens. Make one: igdash api_token create NAME")
            return
        for row in rows:
            self.stdout.write(
                f"{row.name}\t{row.scope}\t{row.prefix}...\t{row.state()}\t"
                f"created {_when(row.created_at)}\tlast used {_when(row.last_used_at)}\t"
                f"expires {_when(row.expires_at) if row.expires_at else 'never'}"
            )

    def _revoke(self, options: dict[str, Any]) -> None:
        row = tokens.revoke(options["name"])
        self.stdout.write(f"Revoked API token {row.name!r}.")
