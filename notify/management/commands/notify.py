"""`igdash notify test [CHANNEL]`: send a test message to one channel (by name
or id) or to every channel; `igdash notify add NAME --url-stdin`: add a
channel (the URL read from standard input, never from the command line, where
other users and the shell history see it); `igdash notify list`."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from accounts_app import vault
from notify import channels
from notify.models import Channel


class Command(BaseCommand):
    help = "Notification channels: send a test message, add a channel, list them."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        test = sub.add_parser("test", help="Send a test message (every channel without a name).")
        test.add_argument("channel", nargs="?", help="A channel's name or id.")
        add = sub.add_parser("add", help="Add a channel; its Apprise URL is read from stdin.")
        add.add_argument("name")
        add.add_argument("--url-stdin", action="store_true", required=True)
        sub.add_parser("list", help="List the channels (never their URLs).")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "add":
            self._add(options["name"])
        elif action == "list":
            for channel in Channel.objects.all():
                self.stdout.write(f"{channel.pk}\t{channel.name}\t{channel.url_hint}://…")
        else:
            self._test(options.get("channel"))

    def _add(self, name: str) -> None:
        url = sys.stdin.readline().strip()
        try:
            channel = channels.create(name, url)
        except (channels.ChannelError, vault.VaultError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Added channel {channel.pk} “{channel.name}” ({channel.url_hint}).")

    def _test(self, which: str | None) -> None:
        found = Channel.objects.all()
        if which:
            match = Q(name__iexact=which) | (Q(pk=int(which)) if which.isdigit() else Q())
            found = found.filter(match)
            if not found:
                raise CommandError(f"No channel named {which!r}: `igdash notify list` names them.")
        if not found:
            raise CommandError("No channel yet: add one in Settings or with `igdash notify add`.")
        failed = 0
        for channel in found:
            sent = channels.test_channel(channel)
            failed += not sent.ok
            self.stdout.write(f"{channel.name}: {'sent' if sent.ok else 'FAILED: ' + sent.detail}")
        if failed:
            raise CommandError(f"{failed} of {len(found)} channel(s) failed.")
