from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from exports.backups.archives import list_archives, prune_backups
from exports.tests.processes import checked, copy_database, manage, python, run

NOW = dt.datetime(2025, 5, 20, 12, 0, tzinfo=dt.UTC)


def make_archives(folder: Path, ages_in_days: list[float], tag: str = "") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for age in ages_in_days:
        when = timezone.localtime(NOW - dt.timedelta(days=age))
        suffix = f"-{tag}" if tag else ""
        path = folder / f"igdash-backup-{when:%Y%m%d-%H%M%S}{suffix}.zip"
        path.write_bytes(b"PK")
        paths.append(path)
    return paths


def ages(folder: Path) -> list[float]:
    return sorted((NOW - a.created_at).total_seconds() / 86400 for a in list_archives(folder))


def test_ten_backups_over_twenty_days_keep_the_last_seven_days(tmp_path: Path) -> None:
    make_archives(tmp_path, [0, 2, 4, 6, 8, 10, 12, 14, 16, 18])
    gone = prune_backups(7, tmp_path, now=NOW)
    assert len(gone) == 6
    assert ages(tmp_path) == [0, 2, 4, 6]


def test_an_archive_exactly_at_the_limit_stays(tmp_path: Path) -> None:
    make_archives(tmp_path, [1, 7, 7.001])
    prune_backups(7, tmp_path, now=NOW)
    assert ages(tmp_path) == [1, 7]


def test_the_newest_archive_stays_even_when_all_are_too_old(tmp_path: Path) -> None:
    make_archives(tmp_path, [11, 13, 15, 17, 19, 21, 23, 25, 27, 29])
    gone = prune_backups(7, tmp_path, now=NOW)
    assert len(gone) == 9
    assert ages(tmp_path) == [11]


def test_pre_restore_archives_count_and_other_files_are_left_alone(tmp_path: Path) -> None:
    make_archives(tmp_path, [30], tag="pre-restore")
    make_archives(tmp_path, [1])
    strangers = ["notes.txt", "igdash-backup-latest.zip", ".igdash-backup-20250101-000000.zip.part"]
    for name in strangers:
        (tmp_path / name).write_text("keep me", encoding="utf-8")
    prune_backups(7, tmp_path, now=NOW)
    assert sorted(
        p.name for p in tmp_path.iterdir() if not p.name.startswith("igdash-backup-2")
    ) == (sorted(strangers))
    assert [a.tag for a in list_archives(tmp_path)] == [""]


def test_dry_run_deletes_nothing(tmp_path: Path) -> None:
    make_archives(tmp_path, [1, 9, 10])
    assert len(prune_backups(7, tmp_path, now=NOW, dry_run=True)) == 2
    assert len(list_archives(tmp_path)) == 3


def test_an_empty_folder_is_fine(tmp_path: Path) -> None:
    assert prune_backups(7, tmp_path) == []


# --- The standalone script and the nightly task, as the scheduler runs them ------------


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("template")
    checked(manage(data, "migrate", "-v0"))
    return data / "igdash.sqlite3"


def fresh_archives(folder: Path, ages_in_days: list[int]) -> None:
    """Archives dated relative to the real clock (the subprocesses use it)."""
    folder.mkdir(parents=True, exist_ok=True)
    for age in ages_in_days:
        when = timezone.localtime(timezone.now() - dt.timedelta(days=age, minutes=1))
        (folder / f"igdash-backup-{when:%Y%m%d-%H%M%S}.zip").write_bytes(b"PK")


def test_backup_cleaner_script_dry_run_then_delete(tmp_path: Path) -> None:
    folder = tmp_path / "elsewhere"
    fresh_archives(folder, [1, 5, 9])
    args = ["scripts/backup_cleaner.py", "--days", "4", "--dir", str(folder)]
    dry = checked(run(tmp_path / "data", *args, "--dry-run"))
    assert dry.stdout.count("Would delete igdash-backup-") == 2
    assert len(list(folder.iterdir())) == 3
    real = checked(run(tmp_path / "data", *args))
    assert "Deleted 2 archive(s) older than 4 days; 1 kept" in real.stdout
    assert len(list(folder.iterdir())) == 1


def test_backup_cleaner_script_reads_the_retention_from_settings(
    tmp_path: Path, migrated: Path
) -> None:
    data = tmp_path / "data"
    copy_database(migrated, data)
    checked(
        python(
            data,
            "from core.models import AppSettings as A; "
            "A.objects.create(pk=1, backup_retention_days=3)",
        )
    )
    fresh_archives(data / "backups", [1, 2, 4, 6])
    done = checked(run(data, "scripts/backup_cleaner.py"))
    assert "Deleted 2 archive(s) older than 3 days; 2 kept" in done.stdout


def test_nightly_backup_task_backs_up_and_prunes(tmp_path: Path, migrated: Path) -> None:
    data = tmp_path / "data"
    copy_database(migrated, data)
    fresh_archives(data / "backups", [20, 30])
    checked(python(data, "from exports.backups.tasks import nightly_backup; nightly_backup()"))
    (archive,) = list_archives(data / "backups")  # default retention is 14 days
    assert archive.path.stat().st_size > 1000
    assert (timezone.now() - archive.created_at).total_seconds() < 120
