"""The scrape's SQLite connection: the background checkpointer and the settings
set for a scrape and given back (scraping/services/tuning.py)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper

from scraping.services import tuning
from scraping.services.tuning import (
    CHECKPOINT_EVERY,
    CHECKPOINT_EVERY_MAX,
    SCRAPE_AUTOCHECKPOINT,
    SCRAPE_CACHE_KIB,
    Checkpointer,
)


def wait_for(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def wal_database(path: Path) -> sqlite3.Connection:
    """A writer whose own commits never checkpoint, with 30 commits in the WAL."""
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("CREATE TABLE t (x BLOB)")
    for _ in range(30):
        writer.execute("INSERT INTO t VALUES (randomblob(3000))")
    return writer


def wal_frames(db: sqlite3.Connection) -> int:
    """Frames in the WAL since it last started over."""
    return int(db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1])


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    db = wal_database(tmp_path / "db.sqlite3")
    yield db
    db.close()


def test_the_checkpointer_copies_the_wal_so_the_next_commit_starts_it_over(
    tmp_path: Path, writer: sqlite3.Connection
) -> None:
    checkpointer = Checkpointer(str(tmp_path / "db.sqlite3"), batch_frames=10)
    checkpointer.every = 0.01
    checkpointer.start()
    wait_for(lambda: checkpointer.passes >= 1)
    checkpointer.stop()
    assert not checkpointer.is_alive()

    writer.execute("INSERT INTO t VALUES (randomblob(10))")
    # Not copied, the WAL would hold 30+ frames; copied, the commit started it over.
    assert wal_frames(writer) <= 3
    assert writer.execute("SELECT count(*) FROM t").fetchone()[0] == 31


def test_the_checkpointer_waits_longer_while_there_is_little_to_copy(
    tmp_path: Path, writer: sqlite3.Connection
) -> None:
    checkpointer = Checkpointer(str(tmp_path / "db.sqlite3"), batch_frames=20)
    db = sqlite3.connect(tmp_path / "db.sqlite3", isolation_level=None)
    try:
        assert checkpointer.checkpoint(db) >= 30  # a batch or more: soon again
        assert checkpointer.every == CHECKPOINT_EVERY
        # Nothing written since: the WAL still holds its 30+ frames, all copied.
        assert checkpointer.checkpoint(db) == 0
        assert checkpointer.every == 2 * CHECKPOINT_EVERY
        checkpointer.every = CHECKPOINT_EVERY
        for _ in range(3):
            writer.execute("INSERT INTO t VALUES (randomblob(3000))")
        assert checkpointer.checkpoint(db) < 20  # started over: a few frames
        assert checkpointer.every == 2 * CHECKPOINT_EVERY
        for _ in range(10):
            checkpointer.checkpoint(db)
        assert checkpointer.every == CHECKPOINT_EVERY_MAX
        for _ in range(30):
            writer.execute("INSERT INTO t VALUES (randomblob(3000))")
        checkpointer.checkpoint(db)
        assert checkpointer.every == CHECKPOINT_EVERY
    finally:
        db.close()


def test_the_checkpointer_goes_on_beside_an_open_write_transaction(
    tmp_path: Path, writer: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tuning, "CHECKPOINT_EVERY", 0.01)
    checkpointer = Checkpointer(str(tmp_path / "db.sqlite3"), batch_frames=0)
    checkpointer.start()
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO t VALUES (randomblob(3000))")
        passes = checkpointer.passes
        # A checkpoint that waited for the writer would wait out its busy timeout
        # (BUSY_TIMEOUT_MS) on every pass.
        started = time.monotonic()
        wait_for(lambda: checkpointer.passes >= passes + 5)
        assert time.monotonic() - started < tuning.BUSY_TIMEOUT_MS / 1000
        writer.execute("COMMIT")
    finally:
        checkpointer.stop()
    assert writer.execute("SELECT count(*) FROM t").fetchone()[0] == 31


def test_the_checkpointer_does_a_last_pass_when_stopped(
    tmp_path: Path, writer: sqlite3.Connection
) -> None:
    checkpointer = Checkpointer(str(tmp_path / "db.sqlite3"), batch_frames=10)
    checkpointer.every = 3600  # no pass before the stop
    checkpointer.start()
    checkpointer.stop()
    assert checkpointer.passes == 1
    writer.execute("INSERT INTO t VALUES (randomblob(10))")
    assert wal_frames(writer) <= 3


def test_the_checkpointer_carries_on_after_a_failed_pass(
    tmp_path: Path, writer: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tuning, "CHECKPOINT_EVERY_MAX", 0.01)
    checkpointer = Checkpointer(str(tmp_path / "db.sqlite3"), batch_frames=10)
    checkpointer.every = 0.01
    real = checkpointer.checkpoint
    failures = []

    def flaky(db: sqlite3.Connection) -> int:
        if not failures:
            failures.append(1)
            raise sqlite3.OperationalError("database is locked")
        return real(db)

    monkeypatch.setattr(checkpointer, "checkpoint", flaky)
    checkpointer.start()
    wait_for(lambda: checkpointer.passes >= 1)
    assert checkpointer.is_alive()
    checkpointer.stop()
    writer.execute("INSERT INTO t VALUES (randomblob(10))")
    assert wal_frames(writer) <= 3


def test_a_checkpointer_without_its_database_stops_and_creates_nothing(tmp_path: Path) -> None:
    checkpointer = Checkpointer(str(tmp_path / "gone.sqlite3"), batch_frames=10)
    checkpointer.start()
    checkpointer.join(10)
    assert not checkpointer.is_alive()
    assert checkpointer.passes == 0
    assert not (tmp_path / "gone.sqlite3").exists()


def on_sqlite(test: Callable[..., None]) -> Callable[..., None]:
    """A test of the Django connection's SQLite settings (skipped on PostgreSQL)."""
    skip = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's WAL")
    return pytest.mark.django_db(skip(test))


def pragma(db: DatabaseWrapper, name: str) -> object:
    with db.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return cursor.fetchone()[0]


@pytest.fixture
def wal_connection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DatabaseWrapper]:
    """A Django connection to a WAL database file, as tuning's `connection`."""
    settings = {
        **connection.settings_dict,
        "NAME": str(tmp_path / "igdash.sqlite3"),
        "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;PRAGMA wal_autocheckpoint=500"},
    }
    db = DatabaseWrapper(settings, alias="wal-test")
    monkeypatch.setattr(tuning, "connection", db)
    yield db
    db.close()


@on_sqlite
def test_a_scrape_connection_checkpoints_its_database_beside_it_and_gives_all_back(
    wal_connection: DatabaseWrapper,
) -> None:
    db = wal_connection
    before = pragma(db, "cache_size")
    with db.cursor() as cursor:
        cursor.execute("CREATE TABLE t (x BLOB)")
    with tuning.scrape_connection() as checkpointer:
        assert isinstance(checkpointer, Checkpointer) and checkpointer.is_alive()
        assert checkpointer.batch_frames == 500  # the connection's own setting
        assert pragma(db, "cache_size") == -SCRAPE_CACHE_KIB
        assert pragma(db, "wal_autocheckpoint") == SCRAPE_AUTOCHECKPOINT
        with db.cursor() as cursor:
            for _ in range(30):
                cursor.execute("INSERT INTO t VALUES (randomblob(3000))")
    assert not checkpointer.is_alive()
    assert pragma(db, "cache_size") == before
    assert pragma(db, "wal_autocheckpoint") == 500
    # The thread copied the scrape's writes (its last pass): the next commit starts over.
    with db.cursor() as cursor:
        cursor.execute("INSERT INTO t VALUES (randomblob(10))")
        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
        assert cursor.fetchone()[1] <= 3


@on_sqlite
def test_a_scrape_that_fails_still_stops_the_thread_and_gives_all_back(
    wal_connection: DatabaseWrapper,
) -> None:
    db = wal_connection
    before = pragma(db, "cache_size")
    with (
        pytest.raises(RuntimeError, match="the scrape failed"),
        tuning.scrape_connection() as checkpointer,
    ):
        raise RuntimeError("the scrape failed")
    assert checkpointer is not None and not checkpointer.is_alive()
    assert pragma(db, "cache_size") == before
    assert pragma(db, "wal_autocheckpoint") == 500


@on_sqlite
def test_setting_the_connection_back_never_hides_the_scrapes_own_error(
    wal_connection: DatabaseWrapper, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> None:
        raise sqlite3.OperationalError("disk I/O error")

    with (
        pytest.raises(RuntimeError, match="the scrape failed"),
        tuning.scrape_connection() as checkpointer,
    ):
        monkeypatch.setattr(wal_connection, "cursor", broken)
        raise RuntimeError("the scrape failed")
    assert checkpointer is not None and not checkpointer.is_alive()


@on_sqlite
def test_no_checkpointer_for_a_database_without_a_wal() -> None:
    # The tests' in-memory database: there is no WAL to copy.
    with tuning.scrape_connection() as checkpointer:
        assert checkpointer is None
