"""Every SQLite connection gets the pragmas igdash's writes are tuned for
(docs/decisions.md): WAL, NORMAL sync, foreign keys, rare checkpoints, a bounded
WAL file."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite pragmas"),
]


def _pragma(name: str) -> object:
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return cursor.fetchone()[0]


def test_connection_pragmas() -> None:
    assert _pragma("synchronous") == 1  # NORMAL
    assert _pragma("foreign_keys") == 1
    assert _pragma("wal_autocheckpoint") == 20_000
    assert _pragma("journal_size_limit") == 64 * 1024 * 1024
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
