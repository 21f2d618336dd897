"""The scrape's own SQLite connection, set up for a stream of writes: a larger
page cache, and the WAL copied back into the database by a thread beside the
scrape instead of by the scrape's commits. Nothing changes on PostgreSQL.

Why (docs/performance.md, ingest): a first scrape inserts its new users into
random pages of two indexes (ig_pk, (username, id)). With SQLite's default 2 MB
cache those pages are read back before each insert; with SCRAPE_CACHE_KIB they
stay in memory. Each commit appends the pages it changed to the WAL, and the
commit that crosses wal_autocheckpoint copied the WAL back into the database
while the scrape waited: a fifth or more of a fast scrape's write time. The
checkpointer thread does that copy every CHECKPOINT_EVERY seconds with SQLite's
PASSIVE checkpoint, which never waits for the writer; once the WAL holds the
connection's usual autocheckpoint of pages and all of them are copied, a RESTART
checkpoint (waiting at most RESTART_WAIT_MS for the writer and the readers, and
not again for RESTART_REST seconds when one of them was still busy) lets the
next commit start the WAL file from its beginning again, so it stays near that
size even while commits follow each other without a pause. The
scrape's connection keeps an autocheckpoint of its own at SCRAPE_AUTOCHECKPOINT
pages (~400 MB) in case the thread falls behind or stops.

Everything is set back afterwards, so a worker does not keep it and the web
server's connections never take it (an export's peak memory stays as measured).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

log = logging.getLogger(__name__)

SCRAPE_CACHE_KIB = 32_000
CHECKPOINT_EVERY = 0.25  # seconds
SCRAPE_AUTOCHECKPOINT = 100_000  # pages
RESTART_WAIT_MS = 200
RESTART_REST = 5.0  # seconds


class Checkpointer(threading.Thread):
    """Checkpoints of one SQLite database in WAL mode until stopped."""

    def __init__(self, path: str, restart_frames: int, every: float = CHECKPOINT_EVERY) -> None:
        super().__init__(name="igdash-checkpointer", daemon=True)
        self.path, self.restart_frames, self.every = path, restart_frames, every
        self.passes = 0  # checkpoints done, for tests and logs
        self.resting = 0.0  # no RESTART before this time.monotonic()
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error:
            log.warning("no background checkpoints for %s", self.path, exc_info=True)
            return
        try:
            db.execute(f"PRAGMA busy_timeout = {RESTART_WAIT_MS}")
            while not self.stopping.wait(self.every):
                self.checkpoint(db)
        except sqlite3.Error:
            # The scrape's own autocheckpoint takes over; nothing is lost.
            log.warning("background checkpoints of %s stopped", self.path, exc_info=True)
        finally:
            db.close()

    def checkpoint(self, db: sqlite3.Connection) -> None:
        _, frames, copied = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if frames >= self.restart_frames and copied == frames and time.monotonic() >= self.resting:
            busy = db.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()[0]
            if busy:
                # A reader on an older snapshot (an export, a backup): while a RESTART
                # waits, the writer waits too, so leave the WAL be for a while.
                self.resting = time.monotonic() + RESTART_REST
        self.passes += 1

    def stop(self) -> None:
        self.stopping.set()
        self.join()


def _pragma(cursor: object, name: str) -> int:
    cursor.execute(f"PRAGMA {name}")  # type: ignore[attr-defined]
    return int(cursor.fetchone()[0])  # type: ignore[attr-defined]


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
        cursor.execute("PRAGMA journal_mode")
        wal = str(cursor.fetchone()[0]).lower() == "wal"
        cursor.execute(f"PRAGMA cache_size = -{SCRAPE_CACHE_KIB}")
        if wal:
            cursor.execute(f"PRAGMA wal_autocheckpoint = {SCRAPE_AUTOCHECKPOINT}")
    checkpointer = None
    if wal:
        restart_frames = autocheckpoint if autocheckpoint > 0 else SCRAPE_AUTOCHECKPOINT
        checkpointer = Checkpointer(str(connection.settings_dict["NAME"]), restart_frames)
        checkpointer.start()
    try:
        yield checkpointer
    finally:
        if checkpointer is not None:
            checkpointer.stop()
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {cache}")
            cursor.execute(f"PRAGMA wal_autocheckpoint = {autocheckpoint}")
