"""verify_archive refuses what restore must not write; nothing here touches a database."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zipfile
from contextlib import closing
from pathlib import Path

import pytest

from exports.backups.archives import BackupError, verify_archive

KNOWN = {"scraping": ["0001_initial"], "accounts_app": ["0001_initial"]}


def make_archive(tmp_path: Path, **manifest_changes: object) -> Path:
    database = tmp_path / "source.sqlite3"
    with closing(sqlite3.connect(database)) as db:
        db.execute("CREATE TABLE things (name TEXT)")
        db.executemany("INSERT INTO things VALUES (?)", [("a",), ("b",)])
        db.commit()
    manifest = {
        "format": 1,
        "engine": "sqlite",
        "database_file": "igdash.sqlite3",
        "sha256": hashlib.sha256(database.read_bytes()).hexdigest(),
        "migrations": KNOWN,
        "row_counts": {"things": 2},
        **manifest_changes,
    }
    archive = tmp_path / "igdash-backup-20250101-000000.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        zf.write(database, "igdash.sqlite3")
    return archive


def test_a_sound_archive_is_extracted_with_its_manifest(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    manifest, database = verify_archive(make_archive(tmp_path), work)
    assert manifest["row_counts"] == {"things": 2}
    assert database == work / "igdash.sqlite3"
    with closing(sqlite3.connect(database)) as db:
        assert db.execute("SELECT COUNT(*) FROM things").fetchone() == (2,)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"migrations": {**KNOWN, "scraping": ["0001_initial", "9999_future"]}},
            r"made by a newer igdash \(unknown migrations: scraping\.9999_future\); upgrade",
        ),
        ({"engine": "postgresql"}, "is a postgresql backup; this igdash runs on sqlite"),
        ({"row_counts": {"things": 3}}, "things has 2 rows, the manifest says 3"),
        ({"format": 2}, "is in backup format 2, not 1"),
        ({"database_file": "../../etc/passwd"}, "unexpected database file"),
    ],
)
def test_archives_that_cannot_be_restored_here_are_refused(
    tmp_path: Path, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(BackupError, match=message):
        verify_archive(make_archive(tmp_path, **changes), tmp_path)


def test_a_missing_archive_is_named(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="does not exist"):
        verify_archive(tmp_path / "nope.zip", tmp_path)
