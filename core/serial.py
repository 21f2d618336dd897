"""One step at a time across every process: for a read-then-write that must
not interleave (count the active jobs, then add one), where no existing row can
be locked because the row that matters does not exist yet.

SQLite: igdash opens every transaction with BEGIN IMMEDIATE (settings), which
takes the database's write lock at once, so the transaction is serial already.
PostgreSQL: a transaction-scoped advisory lock on a key per purpose, released
at commit or rollback."""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections

# Keys of PostgreSQL's advisory locks, one per purpose (any distinct constants).
LOGIN_ATTEMPTS = 0x16DA54  # igdash/login_throttle.py: failed sign-ins
EXPORT_JOBS = 0x16DA55  # exports/jobs.py: the cap on background exports


def serialise(key: int, using: str = DEFAULT_DB_ALIAS) -> None:
    """Inside a transaction: wait until no other transaction holds `key`."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
