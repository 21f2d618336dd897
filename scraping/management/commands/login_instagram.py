"""`manage.py login_instagram USERNAME --password-stdin | --sessionid-stdin
[--proxy URL] [--code 2FA]`: store an Instagram login (sealed) and check it.

The secret is read from standard input so it never shows in the process list or
the shell history: `echo "$IG_PASSWORD" | manage.py login_instagram me --password-stdin`.
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts_app.models import LoginCredential
from accounts_app.services import logins


class Command(BaseCommand):
    help = (
        "Store an Instagram login (password or browser session id, read from stdin) and check it."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username", help="The Instagram login name.")
        secret = parser.add_mutually_exclusive_group(required=True)
        secret.add_argument("--password-stdin", action="store_true", help="Read the password.")
        secret.add_argument(
            "--sessionid-stdin",
            action="store_true",
            help="Read the `sessionid` cookie of a browser logged in to Instagram.",
        )
        parser.add_argument("--proxy", help="Proxy for this login: http://user:pass@host:port")
        parser.add_argument("--code", help="The two-factor code, when Instagram asks for one.")
        parser.add_argument(
            "--no-check", action="store_true", help="Store only; do not contact Instagram."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        secret = sys.stdin.readline().strip()
        if not secret:
            raise CommandError("Nothing was read from standard input.")
        try:
            login = logins.store_login(
                options["username"],
                password=secret if options["password_stdin"] else None,
                sessionid=secret if options["sessionid_stdin"] else None,
                proxy=options["proxy"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if options["no_check"]:
            self.stdout.write(f"Stored @{login.username}; not checked.")
            return
        login = logins.check_login(login, code=options["code"])
        if login.status != LoginCredential.Status.OK:
            raise CommandError(" ".join(login.status_message.split()) or login.get_status_display())
        self.stdout.write(f"@{login.username} is logged in (Instagram id {login.ig_pk}).")
