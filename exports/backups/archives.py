"""Backups: make, verify, restore and prune the archives in settings.BACKUP_DIR.

An archive is a zip named igdash-backup-YYYYmmdd-HHMMSS[-tag].zip (local time)
holding the database and a manifest.json: app version, engine, applied
migrations, row counts per table, the database file's sha256.
docs/exports-and-backups.md explains the choices; in short:

- SQLite: the online backup API copies a consistent snapshot while igdash keeps
  running; the copy passes PRAGMA integrity_check before it is archived.
  PostgreSQL: pg_dump (custom format) of an exported snapshot, so the row counts
  in the manifest describe exactly the dump.
- Left out: browser sessions (their keys would let whoever holds the archive
  into the dashboard) and the passphrase mode's unlocked master key (sealed with
  a boot secret that may be set in the environment). Instagram secrets are in the
  database only as AES-256-GCM ciphertext, and the master key is never archived.
- An archive appears under its final name only once complete (written as .part,
  then renamed), so a crash never leaves a half archive that looks like a backup.
- Restore verifies everything (zip, manifest, sha256, integrity, migrations not
  newer than the code) before touching the live database, keeps a "pre-restore"
  archive of it, writes the backup in one transaction, then migrates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import zipfile
import zlib
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import DatabaseError, connection, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

import core
from core.models import VaultUnlock

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MEMBERS = {"sqlite": "igdash.sqlite3", "postgresql": "igdash.pgdump"}
NAME_RE = re.compile(r"^igdash-backup-(\d{8}-\d{6})(?:-([a-z0-9-]+))?\.zip$")
STAMP = "%Y%m%d-%H%M%S"
# Rows that must not travel: browser session keys, the unlocked master key.
LEFT_OUT_TABLES = (Session._meta.db_table, VaultUnlock._meta.db_table)
COPY_BLOCK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore cannot go on; str() is a one-line message."""


@dataclass(frozen=True)
class Archive:
    path: Path
    created_at: dt.datetime
    tag: str


@dataclass(frozen=True)
class Restored:
    manifest: dict[str, Any]
    safety_copy: Path | None
    sealed_logins: int


# --- Helpers ----------------------------------------------------------------------


def engine() -> str:
    return "postgresql" if connection.vendor == "postgresql" else connection.vendor


def backup_dir() -> Path:
    path = Path(settings.BACKUP_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def sqlite_path() -> Path:
    return Path(settings.DATABASES["default"]["NAME"])


def _sqlite_timeout() -> float:
    return float(settings.DATABASES["default"].get("OPTIONS", {}).get("timeout", 30))


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _migrations(rows: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in rows:
        applied.setdefault(app, []).append(name)
    return applied


def _pg_env() -> dict[str, str]:
    """libpq environment for pg_dump/pg_restore: no password on a command line."""
    db = settings.DATABASES["default"]
    values = {
        "PGHOST": db.get("HOST"),
        "PGPORT": db.get("PORT"),
        "PGUSER": db.get("USER"),
        "PGPASSWORD": db.get("PASSWORD"),
        "PGDATABASE": db.get("NAME"),
        "PGSSLMODE": db.get("OPTIONS", {}).get("sslmode"),
    }
    return {**os.environ, **{k: str(v) for k, v in values.items() if v}}


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} is not on PATH: install the PostgreSQL client tools (the server's major "
            "version or newer) to back up or restore a PostgreSQL database."
        )
    return found


def _run(command: list[str]) -> None:
    done = subprocess.run(command, env=_pg_env(), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        raise BackupError(f"{Path(command[0]).name} failed: {last}")


# --- Making a backup ----------------------------------------------------------------


def _snapshot_sqlite(workdir: Path) -> tuple[Path, dict[str, Any]]:
    live = sqlite_path()
    if not live.is_file():
        raise BackupError(f"There is no database at {live} to back up.")
    copy = workdir / MEMBERS["sqlite"]
    source = sqlite3.connect(live, timeout=_sqlite_timeout())
    target = sqlite3.connect(copy)
    with closing(source), closing(target):
        # One step: a consistent snapshot; in WAL mode writers carry on meanwhile.
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        target.execute("PRAGMA secure_delete=ON")  # the rows left out are zeroed
        tables = [
            name
            for (name,) in target.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name"
            )
        ]
        for table in LEFT_OUT_TABLES:
            if table in tables:
                target.execute(f"DELETE FROM {_quote(table)}")  # noqa: S608 (model tables)
        target.commit()
        verdict = target.execute("PRAGMA integrity_check").fetchall()
        if verdict != [("ok",)]:
            raise BackupError(f"The database copy failed its integrity check: {verdict[0][0]}")
        counts = {
            table: target.execute(f"SELECT COUNT(*) FROM {_quote(table)}").fetchone()[0]  # noqa: S608
            for table in tables
        }
        applied = (
            _migrations(target.execute("SELECT app, name FROM django_migrations ORDER BY id"))
            if "django_migrations" in tables
            else {}
        )
    return copy, {
        "sqlite_version": sqlite3.sqlite_version,
        "row_counts": counts,
        "migrations": applied,
    }


def _snapshot_postgres(workdir: Path) -> tuple[Path, dict[str, Any]]:
    pg_dump = _pg_tool("pg_dump")
    dump = workdir / MEMBERS["postgresql"]
    with transaction.atomic(), connection.cursor() as cursor:
        # The counts and the dump read the same exported snapshot.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        _run(
            [
                pg_dump,
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                *(f"--exclude-table-data={table}" for table in LEFT_OUT_TABLES),
                f"--file={dump}",
            ]
        )
        counts = {}
        for table in sorted(connection.introspection.table_names(cursor)):
            if table in LEFT_OUT_TABLES:
                counts[table] = 0
                continue
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
        applied = _migrations(cursor.fetchall())
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    return dump, {"server_version": version, "row_counts": counts, "migrations": applied}


def _archive_name(directory: Path, when: dt.datetime, tag: str) -> Path:
    when = timezone.localtime(when).replace(microsecond=0)
    while True:
        name = f"igdash-backup-{when.strftime(STAMP)}{'-' + tag if tag else ''}.zip"
        if not (directory / name).exists():
            return directory / name
        when += dt.timedelta(seconds=1)  # two backups within a second


def create_backup(tag: str = "", directory: Path | None = None) -> Path:
    """Back up the database into a new archive; returns its path."""
    if tag and not re.fullmatch(r"[a-z0-9-]+", tag):
        raise BackupError(f"A backup tag is lowercase letters, digits and dashes, not {tag!r}.")
    directory = directory or backup_dir()
    kind = engine()
    if kind not in MEMBERS:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {kind}.")
    created_at = timezone.now()
    with tempfile.TemporaryDirectory(dir=directory, prefix=".backup-") as tmp:
        snapshot = _snapshot_sqlite if kind == "sqlite" else _snapshot_postgres
        database, facts = snapshot(Path(tmp))
        manifest = {
            "format": FORMAT_VERSION,
            "app": "igdash",
            "app_version": core.__version__,
            "created_at": created_at.isoformat(),
            "engine": kind,
            "tag": tag,
            "database_file": database.name,
            "database_bytes": database.stat().st_size,
            "sha256": _sha256(database),
            **facts,
            "left_out": [
                *(f"rows of {table}" for table in LEFT_OUT_TABLES),
                "the master key of the Instagram secrets (keyring or <data>/master.key*)",
            ],
        }
        path = _archive_name(directory, created_at, tag)
        partial = path.with_name(f".{path.name}.part")
        try:
            # A pg_dump custom-format file is compressed already.
            method = zipfile.ZIP_DEFLATED if kind == "sqlite" else zipfile.ZIP_STORED
            with zipfile.ZipFile(partial, "w", method, allowZip64=True, compresslevel=6) as zf:
                zf.writestr(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))
                zf.write(database, database.name)
            with zipfile.ZipFile(partial) as zf:
                broken = zf.testzip()
            if broken is not None:
                raise BackupError(f"The new archive failed its check at {broken}.")
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
    return path


# --- Verifying and restoring ---------------------------------------------------------


def _read_manifest(zf: zipfile.ZipFile, name: str) -> dict[str, Any]:
    try:
        manifest = json.loads(zf.read(MANIFEST))
    except KeyError:
        raise BackupError(f"{name} has no {MANIFEST}: it is not an igdash backup.") from None
    except ValueError:
        raise BackupError(f"{name}: {MANIFEST} is not valid JSON.") from None
    required = {"format", "engine", "database_file", "sha256", "migrations", "row_counts"}
    if not isinstance(manifest, dict) or not required <= manifest.keys():
        raise BackupError(f"{name}: {MANIFEST} lacks {', '.join(sorted(required))}.")
    if manifest["format"] != FORMAT_VERSION:
        raise BackupError(f"{name} is in backup format {manifest['format']}, not {FORMAT_VERSION}.")
    if manifest["database_file"] not in MEMBERS.values():
        raise BackupError(f"{name}: unexpected database file {manifest['database_file']!r}.")
    return manifest


def _extract(zf: zipfile.ZipFile, member: str, dest: Path) -> str:
    """Copy a member out, hashing as it goes; zipfile checks the CRC at the end."""
    digest = hashlib.sha256()
    with zf.open(member) as source, dest.open("wb") as out:
        while block := source.read(COPY_BLOCK):
            digest.update(block)
            out.write(block)
    return digest.hexdigest()


def _unknown_migrations(applied: dict[str, list[str]]) -> list[str]:
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    return [
        f"{app}.{name}"
        for app, names in applied.items()
        for name in names
        if (app, name) not in known
    ]


def _check_sqlite_copy(path: Path, manifest: dict[str, Any], name: str) -> None:
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            verdict = db.execute("PRAGMA integrity_check").fetchall()
            if verdict != [("ok",)]:
                raise BackupError(
                    f"{name}: the database fails its integrity check ({verdict[0][0]})."
                )
            for table, expected in manifest["row_counts"].items():
                found = db.execute(f"SELECT COUNT(*) FROM {_quote(table)}").fetchone()[0]  # noqa: S608
                if found != expected:
                    raise BackupError(
                        f"{name}: {table} has {found} rows, the manifest says {expected}."
                    )
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{name}: the database cannot be read ({exc}).") from None


def verify_archive(path: Path, workdir: Path) -> tuple[dict[str, Any], Path]:
    """Check an archive without touching the live database; returns its manifest
    and the database file extracted into `workdir`."""
    name = path.name
    try:
        with zipfile.ZipFile(path) as zf:
            manifest = _read_manifest(zf, name)
            database = workdir / manifest["database_file"]
            digest = _extract(zf, manifest["database_file"], database)
    except FileNotFoundError:
        raise BackupError(f"{path} does not exist.") from None
    except KeyError:
        raise BackupError(f"{name} does not hold its database file.") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise BackupError(f"{name} is damaged or truncated ({exc}).") from None
    if digest != manifest["sha256"]:
        raise BackupError(f"{name} is damaged: the database's sha256 does not match the manifest.")
    if manifest["engine"] != engine():
        raise BackupError(
            f"{name} is a {manifest['engine']} backup; this igdash runs on {engine()}."
        )
    unknown = _unknown_migrations(manifest["migrations"])
    if unknown:
        raise BackupError(
            f"{name} was made by a newer igdash (unknown migrations: {', '.join(unknown[:3])}); "
            "upgrade igdash first."
        )
    if manifest["engine"] == "sqlite":
        _check_sqlite_copy(database, manifest, name)
    else:
        _run([_pg_tool("pg_restore"), "--list", str(database)])
    return manifest, database


def _worker_running() -> float | None:
    """Seconds since a worker was last seen, when one looks alive."""
    from core.models import WorkerHeartbeat

    try:
        last = (
            WorkerHeartbeat.objects.order_by("-last_seen")
            .values_list("last_seen", flat=True)
            .first()
        )
    except DatabaseError:
        return None  # no database or no table yet: nothing is running on it
    if last is None:
        return None
    age = (timezone.now() - last).total_seconds()
    return age if age < settings.WORKER_HEARTBEAT_STALE_SECONDS else None


def _live_database_exists() -> bool:
    if engine() == "sqlite":
        path = sqlite_path()
        return path.is_file() and path.stat().st_size > 0
    return True


def _write_sqlite(copy: Path) -> None:
    try:
        source = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
        live = sqlite3.connect(sqlite_path(), timeout=_sqlite_timeout())
        with closing(source), closing(live):
            # Into the live file through SQLite's own locking, in one transaction:
            # no file swapped under open connections, no stale -wal file.
            source.backup(live)
    except sqlite3.Error as exc:
        raise BackupError(f"Restore failed, the database is unchanged: {exc}") from None


def _write_postgres(dump: Path) -> None:
    _run(
        [
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={settings.DATABASES['default']['NAME']}",
            str(dump),
        ]
    )


def restore_backup(path: Path, *, force: bool = False) -> Restored:
    """Replace the live database with the archive's, after verifying it and
    keeping a pre-restore archive of the current one."""
    with tempfile.TemporaryDirectory(dir=backup_dir(), prefix=".restore-") as tmp:
        manifest, database = verify_archive(path, Path(tmp))
        live = _live_database_exists()
        age = _worker_running() if live and not force else None
        if age is not None:
            raise BackupError(
                f"igdash is running (a worker was seen {age:.0f} s ago): stop it before "
                "restoring, or pass --force."
            )
        safety = create_backup(tag="pre-restore") if live else None
        connections.close_all()
        if manifest["engine"] == "sqlite":
            _write_sqlite(database)
        else:
            _write_postgres(database)
    connections.close_all()
    call_command("migrate", interactive=False, verbosity=0)
    return Restored(manifest, safety, _sealed_logins())


def _sealed_logins() -> int:
    from django.db.models import Q

    from accounts_app.models import LoginCredential

    return LoginCredential.objects.filter(
        Q(password_enc__isnull=False)
        | Q(session_enc__isnull=False)
        | Q(sessionid_enc__isnull=False)
    ).count()


# --- Retention ------------------------------------------------------------------------


def list_archives(directory: Path | None = None) -> list[Archive]:
    """igdash archives in the folder, oldest first (by the time in their name)."""
    directory = directory or backup_dir()
    found = []
    for path in directory.iterdir():
        match = NAME_RE.match(path.name)
        if not match or not path.is_file():
            continue
        naive = dt.datetime.strptime(match.group(1), STAMP)  # local time, as named
        found.append(Archive(path, timezone.make_aware(naive), match.group(2) or ""))
    return sorted(found, key=lambda archive: (archive.created_at, archive.path.name))


def prune_backups(
    days: int,
    directory: Path | None = None,
    *,
    now: dt.datetime | None = None,
    dry_run: bool = False,
) -> list[Path]:
    """Delete archives older than `days`, never the newest one; returns what
    went (or would go, with dry_run)."""
    archives = list_archives(directory)
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    doomed = [archive.path for archive in archives[:-1] if archive.created_at < cutoff]
    if not dry_run:
        for path in doomed:
            path.unlink(missing_ok=True)
    return doomed
