"""Backup and restore through the real commands, on a real SQLite file."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import sqlite3
import zipfile
from contextlib import closing
from pathlib import Path

import pytest

import igdash
from exports.tests.history import (
    PLAIN_BROWSER_SESSION,
    PLAIN_PASSWORD,
    PLAIN_SESSIONID,
    UNLOCKED_KEY_MARKER,
)
from exports.tests.processes import checked, contents, copy_database, manage, python

SEED = "from exports.tests.history import seed_for_backup; seed_for_backup()"


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("template")
    checked(manage(data, "migrate", "-v0"))
    return data / "igdash.sqlite3"


@pytest.fixture
def data_dir(tmp_path: Path, migrated: Path) -> Path:
    data = tmp_path / "data"
    copy_database(migrated, data)
    return data


def seed(data_dir: Path) -> dict[str, bytes]:
    done = checked(python(data_dir, SEED))
    return {k: bytes.fromhex(v) for k, v in json.loads(done.stdout.splitlines()[-1]).items()}


def backup(data_dir: Path) -> Path:
    done = checked(manage(data_dir, "backup"))
    path = Path(done.stdout.split("Backed up to ")[1].split(" (")[0])
    assert path.parent == data_dir / "backups"
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_backup_wipe_restore_gives_back_every_row(data_dir: Path) -> None:
    seed(data_dir)
    database = data_dir / "igdash.sqlite3"
    left_out = ("django_session", "igdash_vaultunlock")
    before = contents(database, skip=left_out)
    assert len(before["scraping_relationship"]) > 20
    archive = backup(data_dir)
    assert archive.name.startswith("igdash-backup-") and archive.suffix == ".zip"

    with zipfile.ZipFile(archive) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        copy = zf.read("igdash.sqlite3")
    assert manifest["app_version"] == igdash.__version__
    assert manifest["engine"] == "sqlite"
    assert manifest["sha256"] == hashlib.sha256(copy).hexdigest()
    assert "0001_initial" in manifest["migrations"]["scraping"]
    assert manifest["row_counts"]["scraping_relationship"] == len(before["scraping_relationship"])
    assert manifest["row_counts"]["django_session"] == 0  # browser sessions are left out
    assert manifest["row_counts"]["igdash_vaultunlock"] == 0  # and the unlocked key

    with closing(sqlite3.connect(database)) as db:  # the owner's data changes after the backup
        db.execute("DELETE FROM scraping_relationship")
        db.execute("UPDATE accounts_app_iguser SET full_name = 'changed'")
        db.commit()
    restored = checked(manage(data_dir, "restore_backup", str(archive)))
    assert contents(database, skip=left_out) == before
    assert "1 Instagram login(s) hold encrypted secrets" in restored.stdout
    (safety,) = (data_dir / "backups").glob("*-pre-restore.zip")
    assert str(safety) in restored.stdout
    with zipfile.ZipFile(safety) as zf:
        assert json.loads(zf.read("manifest.json"))["row_counts"]["scraping_relationship"] == 0

    for leftover in data_dir.glob("igdash.sqlite3*"):  # wiped: no database at all
        leftover.unlink()
    checked(manage(data_dir, "restore_backup", str(archive)))
    assert contents(database, skip=left_out) == before


def _rezip(archive: Path, out: Path, replace: dict[str, bytes | None]) -> Path:
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            data = replace.get(name, source.read(name))
            if data is not None:
                target.writestr(name, data)
    return out


def _damaged_archives(archive: Path, tmp: Path) -> dict[str, tuple[Path, str]]:
    raw = archive.read_bytes()
    truncated = tmp / "truncated.zip"
    truncated.write_bytes(raw[: len(raw) // 2])
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo("igdash.sqlite3")
        database = zf.read("igdash.sqlite3")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    flipped = bytearray(raw)
    flipped[start + info.compress_size // 2] ^= 0xFF
    corrupted = tmp / "corrupted.zip"
    corrupted.write_bytes(bytes(flipped))
    altered = bytearray(database)
    altered[len(altered) // 2] ^= 0x01
    not_zip = tmp / "notes.zip"
    not_zip.write_text("just some text", encoding="utf-8")
    return {
        "truncated": (truncated, "truncated.zip is damaged or truncated"),
        "corrupted": (corrupted, "corrupted.zip is damaged or truncated"),
        "altered": (
            _rezip(archive, tmp / "altered.zip", {"igdash.sqlite3": bytes(altered)}),
            "altered.zip is damaged: the database's sha256 does not match the manifest.",
        ),
        "no manifest": (
            _rezip(archive, tmp / "bare.zip", {"manifest.json": None}),
            "bare.zip has no manifest.json: it is not an igdash backup.",
        ),
        "not a zip": (not_zip, "notes.zip is damaged or truncated (File is not a zip file)"),
    }


def test_damaged_archives_are_refused_and_the_live_database_is_untouched(
    data_dir: Path, tmp_path: Path
) -> None:
    seed(data_dir)
    archive = backup(data_dir)
    database = data_dir / "igdash.sqlite3"
    live = sha256(database)
    for case, (path, message) in _damaged_archives(archive, tmp_path).items():
        done = manage(data_dir, "restore_backup", str(path))
        assert done.returncode == 1, case
        (line,) = done.stderr.strip().splitlines()
        assert line.startswith(f"CommandError: {message}"), (case, line)
        assert sha256(database) == live, case
        assert sorted(p.name for p in (data_dir / "backups").iterdir()) == [archive.name], case

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(" ")
    with closing(sqlite3.connect(database)) as db:  # a worker is alive: igdash is running
        db.execute(
            "INSERT INTO igdash_workerheartbeat (hostname, pid, started_at, last_seen) "
            "VALUES ('igdash-worker@box', 1, ?, ?)",
            (now, now),
        )
        db.commit()
    live = sha256(database)
    done = manage(data_dir, "restore_backup", str(archive))
    assert done.returncode == 1
    assert "igdash is running (a worker was seen" in done.stderr
    assert "stop it before restoring, or pass --force." in done.stderr
    assert sha256(database) == live


def test_backup_holds_no_plaintext_secret_and_no_master_key(data_dir: Path) -> None:
    blobs = seed(data_dir)
    database = data_dir / "igdash.sqlite3"
    key_file = data_dir / "master.key"
    assert key_file.is_file()  # the secrets were sealed with this key
    live_bytes = database.read_bytes()
    assert PLAIN_BROWSER_SESSION.encode() in live_bytes  # the scan below can see text
    assert UNLOCKED_KEY_MARKER in live_bytes
    archive = backup(data_dir)

    raw = archive.read_bytes()
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        assert sorted(zf.namelist()) == ["igdash.sqlite3", "manifest.json"]
        every_byte = raw + b"".join(zf.read(name) for name in zf.namelist())
    assert blobs["password_enc"] in every_byte  # the login is in the backup, sealed
    key_text = key_file.read_text("ascii").strip()
    for secret in (
        PLAIN_PASSWORD.encode(),
        PLAIN_SESSIONID.encode(),
        PLAIN_BROWSER_SESSION.encode(),
        UNLOCKED_KEY_MARKER,
        key_text.encode(),
        base64.b64decode(key_text),
    ):
        assert secret not in every_byte, secret


def test_postgres_backup_without_pg_dump_says_what_to_install(tmp_path: Path) -> None:
    done = manage(
        tmp_path / "data",
        "backup",
        DATABASE_URL="postgres://igdash@127.0.0.1:9/igdash",
        PATH=str(tmp_path / "empty-path"),
    )
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "CommandError: pg_dump is not on PATH: install the PostgreSQL client tools (the "
        "server's major version or newer) to back up or restore a PostgreSQL database."
    )


@pytest.mark.services
def test_postgres_backup_and_restore(tmp_path: Path, postgres_url: str) -> None:
    from igdash.testing.services import fresh_postgres_database

    data = tmp_path / "data"
    with fresh_postgres_database(postgres_url) as url:
        checked(manage(data, "migrate", "-v0", DATABASE_URL=url))
        checked(python(data, SEED, DATABASE_URL=url))
        archive_line = checked(manage(data, "backup", DATABASE_URL=url)).stdout
        archive = Path(archive_line.split("Backed up to ")[1].split(" (")[0])
        with zipfile.ZipFile(archive) as zf:
            manifest = json.loads(zf.read("manifest.json"))
            assert sorted(zf.namelist()) == ["igdash.pgdump", "manifest.json"]
        assert manifest["engine"] == "postgresql"
        count = "from scraping.models import Relationship as R; print(R.objects.count())"
        wipe = "; R.objects.all().delete()"
        relationships = int(checked(python(data, count + wipe, DATABASE_URL=url)).stdout.split()[0])
        assert manifest["row_counts"]["scraping_relationship"] == relationships > 0
        checked(manage(data, "restore_backup", str(archive), DATABASE_URL=url))
        after = int(checked(python(data, count, DATABASE_URL=url)).stdout.split()[-1])
        assert after == relationships
        assert list((data / "backups").glob("*-pre-restore.zip"))
