"""`igdash vault_passphrase --set | --remove`: switch passphrase mode on or off.

The passphrase is read from standard input (one line) so it never shows in the
shell history or the process list."""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts_app import vault


def _read_passphrase(prompt: str) -> str:
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return sys.stdin.readline().rstrip("\n")


class Command(BaseCommand):
    help = "Protect the master key with a passphrase (--set), or stop doing so (--remove)."

    def add_arguments(self, parser: Any) -> None:
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--set", action="store_true")
        group.add_argument("--remove", action="store_true")

    def handle(self, *args: Any, set: bool, remove: bool, **options: Any) -> None:
        try:
            if set:
                if vault.passphrase_mode():
                    raise CommandError("passphrase mode is already on; --remove it first")
                vault.set_passphrase(_read_passphrase("New passphrase: "))
                self.stdout.write(
                    "Passphrase mode is on: after every restart, unlock igdash in the browser."
                )
            else:
                if not vault.passphrase_mode():
                    raise CommandError("passphrase mode is not on")
                vault.remove_passphrase(_read_passphrase("Current passphrase: "))
                self.stdout.write(f"Passphrase mode is off: key in {vault.describe_key_store()}.")
        except vault.VaultError as exc:
            raise CommandError(str(exc)) from None
