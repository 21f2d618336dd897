"""`manage.py backup [--tag TAG]`: a verified, compressed archive of the database."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from exports.backups.archives import BackupError, create_backup


class Command(BaseCommand):
    help = "Back up the database into settings.BACKUP_DIR (igdash-backup-<time>.zip)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--tag", default="", help="Suffix of the archive name, e.g. before-upgrade."
        )

    def handle(self, *args: Any, tag: str, **options: Any) -> None:
        try:
            path = create_backup(tag=tag)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Backed up to {path} ({path.stat().st_size:,} bytes).")
