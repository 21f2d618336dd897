"""The scrape's SQLite connection: the background checkpointer and the settings
set for a scrape and given back (scraping/services/tuning.py)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper

from scraping.services import tuning
from scraping.services.tuning import SCRAPE_AUTOCHECKPOINT, SCRAPE_CACHE_KIB, Checkpointer


def wait_for(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def wal_database(path: Path) -> sqlite3.Connection:
    """A writer whose own commits never checkpoint, with 30 pages in the WAL."""
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("CREATE TABLE t (x BLOB)")
    for _ in range(30):
        writer.execute("INSERT INTO t VALUES (randomblob(3000))")
    return writer


def wal_frames(db: sqlite3.Connection) -> int:
    """Frames in the WAL since it last started over."""
    return int(db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1])


def test_the_checkpointer_copies_the_wal_and_lets_the_next_commit_start_it_over(
    tmp_path: Path,
) -> None:
    writer = wal_database(tmp_path / "db.sqlite3")
    checkpointer = Checkpointer(str(tmp_path / "db.sqlite3"), restart_frames=10, every=0.01)
    checkpointer.start()
    wait_for(lambda: checkpointer.passes >= 2)
    checkpointer.stop()
    assert not checkpointer.is_alive()

    writer.execute("INSERT INTO t VALUES (randomblob(10))")
    # Without the checkpointer the WAL would hold 30+ frames; started over, one page
    # of t and its schema/freelist pages at most.
    assert wal_frames(writer) <= 3
    assert writer.execute("SELECT count(*) FROM t").fetchone()[0] == 31


def test_the_checkpointer_never_holds_up_the_writer(tmp_path: Path) -> None:
    writer = wal_database(tmp_path / "db.sqlite3")
    checkpointer = Checkpointer(str(tmp_path / "db.sqlite3"), restart_frames=10, every=0.01)
    checkpointer.start()
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO t VALUES (randomblob(3000))")
        passes = checkpointer.passes
        # Its checkpoints go on (RESTART gives up after RESTART_WAIT_MS) while the
        # write transaction is open, and the writer commits.
        wait_for(lambda: checkpointer.passes >= passes + 2)
        writer.execute("COMMIT")
        wait_for(lambda: checkpointer.passes >= passes + 4)
    finally:
        checkpointer.stop()
    assert writer.execute("SELECT count(*) FROM t").fetchone()[0] == 31


def test_a_reader_that_holds_the_wal_makes_the_checkpointer_rest_from_restarts(
    tmp_path: Path,
) -> None:
    path = tmp_path / "db.sqlite3"
    writer = wal_database(path)
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    assert reader.execute("SELECT count(*) FROM t").fetchone()[0] == 30  # holds the WAL
    checkpointer = Checkpointer(str(path), restart_frames=10, every=0.01)
    checkpointer.start()
    try:
        # The RESTART cannot finish while the reader reads: the checkpointer stops
        # trying for a while, as each try would hold the writer up too.
        wait_for(lambda: checkpointer.resting > time.monotonic())
        started = time.monotonic()
        for _ in range(5):
            writer.execute("INSERT INTO t VALUES (randomblob(10))")
        assert time.monotonic() - started < tuning.RESTART_REST
    finally:
        checkpointer.stop()
        reader.execute("COMMIT")
    assert writer.execute("SELECT count(*) FROM t").fetchone()[0] == 35


def pragma(db: DatabaseWrapper, name: str) -> object:
    with db.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return cursor.fetchone()[0]


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's WAL")
def test_a_scrape_connection_on_a_wal_database_checkpoints_beside_it_and_gives_all_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = {
        **connection.settings_dict,
        "NAME": str(tmp_path / "igdash.sqlite3"),
        "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;PRAGMA wal_autocheckpoint=500"},
    }
    db = DatabaseWrapper(settings, alias="wal-test")
    monkeypatch.setattr(tuning, "connection", db)
    try:
        before = pragma(db, "cache_size")
        with tuning.scrape_connection() as checkpointer:
            assert isinstance(checkpointer, Checkpointer) and checkpointer.is_alive()
            assert checkpointer.restart_frames == 500  # the connection's own setting
            assert pragma(db, "cache_size") == -SCRAPE_CACHE_KIB
            assert pragma(db, "wal_autocheckpoint") == SCRAPE_AUTOCHECKPOINT
        assert not checkpointer.is_alive()
        assert pragma(db, "cache_size") == before
        assert pragma(db, "wal_autocheckpoint") == 500
    finally:
        db.close()


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's WAL")
def test_no_checkpointer_for_a_database_without_a_wal() -> None:
    # The tests' in-memory database: there is no WAL to copy.
    with tuning.scrape_connection() as checkpointer:
        assert checkpointer is None
