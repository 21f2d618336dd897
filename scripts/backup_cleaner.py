"""Delete igdash backup archives older than the retention, never the newest one.

    python scripts/backup_cleaner.py [--dry-run] [--days N] [--dir PATH]

Without --days, the retention is the one set in Settings (read from the
database); without --dir, the archives are in <data>/backups. The nightly backup
task prunes the same way; this script is for cron, Task Scheduler or by hand.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dry-run", action="store_true", help="List what would go; delete nothing."
    )
    parser.add_argument("--days", type=int, help="Keep this many days (default: Settings).")
    parser.add_argument(
        "--dir", type=Path, help="Folder of the archives (default: <data>/backups)."
    )
    args = parser.parse_args(argv)
    if args.days is not None and args.days < 1:
        parser.error("--days must be 1 or more")

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "igdash.settings")
    import django

    django.setup()
    from core.models import AppSettings
    from exports.backups.archives import backup_dir, list_archives, prune_backups

    days = args.days if args.days is not None else AppSettings.load().backup_retention_days
    directory = args.dir or backup_dir()
    if not directory.is_dir():
        print(f"{directory} is not a folder.", file=sys.stderr)
        return 1
    doomed = prune_backups(days, directory, dry_run=args.dry_run)
    verb = "Would delete" if args.dry_run else "Deleted"
    for path in doomed:
        print(f"{verb} {path.name}")
    kept = len(list_archives(directory)) - (len(doomed) if args.dry_run else 0)
    print(f"{verb} {len(doomed)} archive(s) older than {days} days; {kept} kept in {directory}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
