"""`manage.py restore_backup FILE [--force]`: verify, keep a pre-restore copy, restore, migrate."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from exports.backups.archives import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore the database from a backup archive. The archive is verified first; the "
        "current database is kept as a pre-restore archive. Stop igdash before restoring."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--force", action="store_true", help="Restore even though a worker looks alive."
        )

    def handle(self, *args: Any, archive: Path, force: bool, **options: Any) -> None:
        try:
            restored = restore_backup(archive, force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        manifest = restored.manifest
        if restored.safety_copy:
            self.stdout.write(f"The database as it was is kept in {restored.safety_copy}.")
        self.stdout.write(
            f"Restored {archive.name} (made {manifest.get('created_at', '?')} by igdash "
            f"{manifest.get('app_version', '?')}) and migrated."
        )
        if restored.sealed_logins:
            self.stdout.write(
                f"{restored.sealed_logins} Instagram login(s) hold encrypted secrets: they open "
                "only with the master key they were sealed with (the OS keyring or "
                "<data>/master.key of the machine that made the backup). Without it, enter "
                "those logins' passwords again in Settings."
            )
