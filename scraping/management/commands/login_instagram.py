"""`igdash login_instagram USERNAME --password-stdin | --sessionid-stdin
[--proxy URL] [--code 2FA]`: log in to Instagram with a new secret and store it
(sealed) when Instagram takes it.

The secret is read from standard input so it never shows in the process list or
the shell history: `echo "$IG_PASSWORD" | igdash login_instagram me --password-stdin`.
The new secret is tried by a fresh login, never the stored session; when it is
refused, a login that was working keeps its previous secret (logins.add_secret).
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from scraping.services import logins


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
        given = {
            "password": secret if options["password_stdin"] else None,
            "sessionid": secret if options["sessionid_stdin"] else None,
            "proxy": options["proxy"],
        }
        try:
            if options["no_check"]:
                login = logins.store_login(options["username"], **given)
                self.stdout.write(f"Stored @{login.username}; not checked.")
                return
            outcome = logins.add_secret(options["username"], code=options["code"], **given)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if not outcome.ok or outcome.login is None:
            raise CommandError(" ".join(outcome.message.split()))
        login = outcome.login
        self.stdout.write(f"@{login.username} is logged in (Instagram id {login.ig_pk}).")
