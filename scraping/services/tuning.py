"""The scrape's own SQLite connection, set up for a stream of writes: a larger
page cache, and the WAL copied back into the database by a thread beside the
scrape rather than by the scrape's commits. Nothing changes on PostgreSQL.

Why (docs/decisions.md, docs/performance.md "ingest"): a first scrape inserts its
new users into random pages of two indexes (ig_pk, (username, id)). With SQLite's
default 2 MB cache those pages are read back before each insert; with
SCRAPE_CACHE_KIB they stay in memory. Each commit appends the pages it changed to
the WAL, and the commit that crossed wal_autocheckpoint copied the WAL back into
the database while the scrape waited (at 1M new users the page store took
28.0 s with those copies, 18.6-24.8 s without them in runs of the same day,
docs/performance.md).

The checkpointer thread runs SQLite's PASSIVE checkpoint, which never waits for
the writer or the readers: it copies the committed pages no reader still needs.
Once all are copied, the next write transaction that starts while no reader uses
the WAL starts the file over. How often: every CHECKPOINT_EVERY seconds while
each pass finds at least the connection's usual autocheckpoint of new frames
(20,000) in the WAL, so a fast scrape is copied behind it as it goes; while passes
find fewer (a paced scrape, a page every second or two), the pause doubles up to
CHECKPOINT_EVERY_MAX, so a hot index page is copied once for several commits
rather than once for each. A last pass when the scrape ends copies what its
finalise wrote. The scrape's connection keeps an autocheckpoint of its own at
SCRAPE_AUTOCHECKPOINT pages (~400 MB): while commits follow each other without a
pause, the thread rarely finds the WAL all copied between two of them, and that
commit's own checkpoint (which the thread has mostly done already) lets it start
over.

Everything is set back afterwards, so a worker does not keep it and the web
server's connections never take it (an export's peak memory stays as measured).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection
from django.db.backends.utils import CursorWrapper

log = logging.getLogger(__name__)

SCRAPE_CACHE_KIB = 32_000
SCRAPE_AUTOCHECKPOINT = 100_000  # pages
CHECKPOINT_EVERY = 0.25  # seconds, while there is much to copy
CHECKPOINT_EVERY_MAX = 30.0  # seconds, while there is little
BUSY_TIMEOUT_MS = 1_000  # opening the database; a PASSIVE checkpoint never waits


class Checkpointer(threading.Thread):
    """PASSIVE checkpoints of one SQLite database in WAL mode until stopped, and
    one last pass then."""

    def __init__(self, path: str, batch_frames: int) -> None:
        super().__init__(name="igdash-checkpointer", daemon=True)
        self.path, self.batch_frames = path, batch_frames
        self.every = CHECKPOINT_EVERY  # the pause before the next pass
        self.frames = 0  # the WAL's frames at the last pass
        self.passes = 0  # checkpoints done, for tests
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            db = sqlite3.connect(
                Path(self.path).as_uri() + "?mode=rw", uri=True, isolation_level=None
            )
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        except (sqlite3.Error, ValueError):  # ValueError: a path as_uri() cannot take
            log.warning("no background checkpoints for %s", self.path, exc_info=True)
            return
        try:
            while not self.stopping.wait(self.every):
                self._pass(db)
            self._pass(db)  # what the scrape wrote last (its finalise)
        finally:
            db.close()

    def _pass(self, db: sqlite3.Connection) -> None:
        try:
            self.checkpoint(db)
        except sqlite3.Error:
            # Locked for a moment (a backup), or worse: try again later; the
            # scrape's own autocheckpoint covers a long stretch of these.
            log.warning("background checkpoint of %s failed", self.path, exc_info=True)
            self.every = CHECKPOINT_EVERY_MAX

    def checkpoint(self, db: sqlite3.Connection) -> int:
        """One PASSIVE checkpoint; returns the frames written to the WAL since the
        last pass, and sets the pause before the next pass from them."""
        busy, frames, _copied = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        self.passes += 1
        fresh, much = 0, False  # busy: another checkpoint holds the WAL (another scrape's)
        if not busy:
            # `frames` counts the WAL since it last started over, copied or not: fewer
            # than last time means it started over, and all of them are new.
            fresh = frames - self.frames if frames >= self.frames else frames
            self.frames = frames
            much = fresh >= self.batch_frames
        self.every = CHECKPOINT_EVERY if much else min(self.every * 2, CHECKPOINT_EVERY_MAX)
        return int(fresh)

    def stop(self) -> None:
        """Stop after the last pass (it may copy a finalise's WAL: seconds at 1M)."""
        self.stopping.set()
        self.join()


def _pragma(cursor: CursorWrapper, name: str) -> int:
    cursor.execute(f"PRAGMA {name}")
    return int(cursor.fetchone()[0])


def _database_file(cursor: CursorWrapper) -> str | None:
    """The main database's file when it is in WAL mode (not an in-memory one)."""
    cursor.execute("PRAGMA journal_mode")
    if str(cursor.fetchone()[0]).lower() != "wal":
        return None
    cursor.execute("PRAGMA database_list")
    for _seq, name, file in cursor.fetchall():
        if name == "main" and file:
            return str(file)
    return None


@contextmanager
def scrape_connection() -> Iterator[Checkpointer | None]:
    """This thread's connection set up for a scrape for the duration; yields the
    checkpointer thread (None on PostgreSQL and on databases not in WAL mode, such
    as the tests' in-memory one)."""
    if connection.vendor != "sqlite":
        yield None
        return
    with connection.cursor() as cursor:
        cache = _pragma(cursor, "cache_size")
        autocheckpoint = _pragma(cursor, "wal_autocheckpoint")
        path = _database_file(cursor)
    checkpointer = None
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = -{SCRAPE_CACHE_KIB}")
            if path is not None:
                cursor.execute(f"PRAGMA wal_autocheckpoint = {SCRAPE_AUTOCHECKPOINT}")
        if path is not None:
            batch = autocheckpoint if autocheckpoint > 0 else SCRAPE_AUTOCHECKPOINT
            thread = Checkpointer(path, batch)
            thread.start()
            checkpointer = thread  # only a started thread is stopped
        yield checkpointer
    finally:
        if checkpointer is not None:
            checkpointer.stop()
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {cache}")
                cursor.execute(f"PRAGMA wal_autocheckpoint = {autocheckpoint}")
        except Exception:
            # Never hide the scrape's own outcome; the connection is closed soon.
            log.warning("could not set the scrape's connection back", exc_info=True)
