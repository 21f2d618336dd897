"""Substring search over usernames and full names of every user ever seen.

SQLite: the FTS5 trigram table of migration 0003 answers terms of 3+ characters in
about a millisecond on 1M users, where LIKE '%term%' needs seconds for a rare term
(docs/performance.md "Background"). Trigrams need 3 characters, so shorter terms fall back to
LIKE, which is fast for them because short terms are common and the page limit
stops the scan early. PostgreSQL: icontains, served by the pg_trgm GIN indexes on
UPPER(column) that the migration creates.

The dashboard's global search reads every user ever seen, not one list, and a
1- or 2-character term would read all of them (~240 ms at 1M; a short term
cannot use trigrams). There such terms match the start of usernames only: a
range of the (username, id) index, a page of it costs the same at any size
(`users_starting_with`, docs/decisions.md).

The trigram table is filled in bulk (migration 0004): users above the
`indexed_upto` watermark are not in it yet, and every trigram search also reads
them with LIKE (a range of the primary key: the users of a scrape that has not
finalised yet). `index_pending()` moves the watermark.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Mapping

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from accounts_app.models import IgUser

logger = logging.getLogger(__name__)

FTS_TABLE = "accounts_app_iguser_fts"
FTS_STATE = "accounts_app_iguser_fts_state"
_USERS = IgUser._meta.db_table
_PENDING_IDS = f"SELECT indexed_upto FROM {FTS_STATE} WHERE id = 1"  # noqa: S608
_REBUILD = f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"  # noqa: S608
_INDEX_ABOVE = (
    f"INSERT INTO {FTS_TABLE}(rowid, username, full_name) "  # noqa: S608
    f"SELECT id, username, full_name FROM {_USERS} WHERE id > %s"
)
# The users not in the trigram table yet, matched as Django's icontains would.
_PENDING_MATCH = (
    f"SELECT id FROM {_USERS} WHERE id > ({_PENDING_IDS}) "  # noqa: S608
    "AND (username LIKE %s ESCAPE '\\' OR full_name LIKE %s ESCAPE '\\')"
)
TRIGRAM_MIN = 3
MAX_TERM = 64
_DROPPED = {"Cc", "Cs"}  # control characters, lone surrogates

_fts_seen: dict[str, bool] = {}


def clean_term(raw: str | None) -> str:
    """What the owner typed, trimmed; a leading @ is part of how people write
    handles, not of the handle.

    Control characters (NUL, ...) and lone surrogates are dropped: no name holds
    them, FTS5 ends a string at a NUL ("unterminated string"), PostgreSQL
    refuses NUL in text, and a surrogate cannot be bound at all. Every search
    (dashboard, accounts, account page, exports) goes through here."""
    kept = "".join(ch for ch in (raw or "") if unicodedata.category(ch) not in _DROPPED)
    return kept.strip().removeprefix("@").strip()[:MAX_TERM]


def fts_available() -> bool:
    """Whether this SQLite database has the trigram table (asked once per database)."""
    if connection.vendor != "sqlite":
        return False
    name = str(connection.settings_dict["NAME"])
    if name not in _fts_seen:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [FTS_TABLE]
            )
            _fts_seen[name] = cursor.fetchone() is not None
    return _fts_seen[name]


def _fts_phrase(term: str) -> str:
    # A quoted FTS5 string is one phrase: with the trigram tokenizer, a substring.
    return '"' + term.replace('"', '""') + '"'


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _trigram_match(term: str) -> tuple[str, list[str]]:
    """SQL of the ids matching `term`: the trigram table, plus the users not
    indexed yet."""
    like = _like_pattern(term)
    sql = (
        f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s "  # noqa: S608
        f"UNION ALL {_PENDING_MATCH}"
    )
    return sql, [_fts_phrase(term), like, like]


def index_pending() -> int:
    """Put the users above the watermark into the trigram table, in one
    statement and one transaction; returns how many. A no-op where there is no
    trigram table.

    First a check that costs three counts: the index must hold exactly the
    users at or below the watermark. It does not after ids went back (a `flush`
    resets the sequence) or rows were loaded with explicit ids; then the whole
    table is rebuilt from the users (FTS5 'rebuild')."""
    if not fts_available():
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_PENDING_IDS)
        upto = cursor.fetchone()[0]
        cursor.execute(f"SELECT MAX(id), COUNT(*) FROM {_USERS}")  # noqa: S608
        top, total = cursor.fetchone()
        cursor.execute(f"SELECT COUNT(*) FROM {_USERS} WHERE id > %s", [upto])  # noqa: S608
        pending = cursor.fetchone()[0]
        cursor.execute(f"SELECT COUNT(*) FROM {FTS_TABLE}_docsize")  # noqa: S608
        indexed = cursor.fetchone()[0]
        if indexed != total - pending:
            logger.warning(
                "Search index out of step (%s indexed, %s expected): rebuilding it",
                indexed,
                total - pending,
            )
            fill, params, added = _REBUILD, [], total
        elif pending:
            fill, params, added = _INDEX_ABOVE, [upto], pending
        else:
            return 0
        cursor.execute(fill, params)
        cursor.execute(f"UPDATE {FTS_STATE} SET indexed_upto = %s WHERE id = 1", [top or 0])  # noqa: S608
    return added


def matching_ids(term: str) -> RawSQL | QuerySet[IgUser, Mapping[str, object]]:
    """Ids of the users whose username or full name contains `term`, as a
    subquery for `user_id__in=`. `term` must be cleaned and non-empty."""
    if len(term) >= TRIGRAM_MIN and fts_available():
        sql, params = _trigram_match(term)
        return RawSQL(sql, params)  # noqa: S611 (the term is a bound parameter)
    return IgUser.objects.filter(Q(username__icontains=term) | Q(full_name__icontains=term)).values(
        "id"
    )


def count_matches(term: str, cap: int) -> int | None:
    """How many users the trigram table matches for `term`, counted up to cap + 1
    (a common term stops early); None when the table cannot answer (a term
    shorter than 3 characters, no FTS5 trigram, PostgreSQL)."""
    if len(term) < TRIGRAM_MIN or not fts_available():
        return None
    with connection.cursor() as cursor:
        sql, params = _trigram_match(term)
        cursor.execute(
            f"SELECT COUNT(*) FROM ({sql} LIMIT %s)",  # noqa: S608
            [*params, cap + 1],
        )
        return int(cursor.fetchone()[0])


def _successor(prefix: str) -> str | None:
    """The least string above every string that starts with `prefix` (None: no
    such string, the last character is the highest code point)."""
    last = ord(prefix[-1])
    return prefix[:-1] + chr(last + 1) if last < 0x10FFFF else None


def users_starting_with(term: str) -> QuerySet[IgUser]:
    """The users whose username starts with `term` (any case typed: usernames
    are lowercase), for `keyset.by_field(..., "username", ...)`.

    A range `term <= username < successor(term)` on the (username, id) index,
    so a page reads its own rows only. The startswith test keeps the answer
    exact under collations that skip punctuation when sorting (PostgreSQL's
    non-C locales); on SQLite it only re-checks the rows of the range."""
    prefix = term.lower()
    users = IgUser.objects.filter(username__gte=prefix, username__startswith=prefix)
    upper = _successor(prefix)
    return users.filter(username__lt=upper) if upper is not None else users


def users_matching(term: str) -> QuerySet[IgUser]:
    """All users matching `term`, in id order (keyset-friendly, no sort over the matches)."""
    return IgUser.objects.filter(id__in=matching_ids(term)).order_by("id")
