"""Substring search over every user: the FTS5 trigram table plus the users not
indexed yet, exact through renames and deletes; short terms fall back to LIKE."""

from __future__ import annotations

import pytest
from django.db import connection

from accounts_app.models import IgUser
from accounts_app.search import (
    FTS_TABLE,
    clean_term,
    fts_available,
    index_pending,
    users_matching,
)
from accounts_app.tests import factories

pytestmark = pytest.mark.django_db


def _names(term: str) -> set[str]:
    return set(users_matching(clean_term(term)).values_list("username", flat=True))


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 table is SQLite's")
def test_trigram_table_exists_on_sqlite() -> None:
    assert fts_available()


def test_finds_substrings_in_usernames_and_full_names_any_case() -> None:
    factories.user("maya.rivera", "Maya Rivera")
    factories.user("leo_chen", "Leo Chen 🇧🇷")
    factories.user("nour", "نور الهدى")
    assert _names("RIVER") == {"maya.rivera"}
    assert _names("o_ch") == {"leo_chen"}
    assert _names("الهدى") == {"nour"}
    assert _names("@leo") == {"leo_chen"}


def test_short_terms_fall_back_to_like() -> None:
    factories.user("ab", "")
    factories.user("xyz", "Abe")
    assert _names("ab") == {"ab", "xyz"}


def test_index_follows_renames_and_deletes() -> None:
    user = factories.user("oldname", "Someone")
    IgUser.objects.filter(pk=user.pk).update(username="brandnew")
    assert _names("oldna") == set()
    assert _names("andne") == {"brandnew"}
    IgUser.objects.filter(pk=user.pk).delete()
    assert _names("andne") == set()


def test_engine_upserts_are_indexed() -> None:
    from scraping.instagram.types import UserRecord
    from scraping.services.store import upsert_users

    record = UserRecord(
        pk=77, username="fresh_face", full_name="Fresh Face", profile_pic_url="",
        is_verified=False, is_private=False,
    )  # fmt: skip
    upsert_users([record])
    assert _names("sh_fa") == {"fresh_face"}


def test_quotes_and_operators_are_searched_literally() -> None:
    factories.user("quote", 'Say "hi" OR NOT')
    assert _names('"hi" OR') == {"quote"}
    assert _names("NEAR(") == set()


# --- SQLite: the trigram table is filled in bulk (migration 0004) ----------------------

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the FTS5 table and its watermark are SQLite's"
)


def _indexed_rowids() -> set[int]:
    """The user ids in the index itself (a plain SELECT on an external-content
    table would read the users table instead)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_instances "
            f"USING fts5vocab(main, {FTS_TABLE}, instance)"
        )
        cursor.execute("SELECT DISTINCT doc FROM temp.fts_instances")
        return {row[0] for row in cursor.fetchall()}


def _integrity_check_of_indexed_rows() -> None:
    """Without the users table: the index is readable and self-consistent."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('integrity-check')"  # noqa: S608
        )


def _integrity_check() -> None:
    """FTS5 compares the index with the users table and raises when they differ."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('integrity-check', 1)"  # noqa: S608
        )


@sqlite_only
def test_new_users_are_found_before_they_are_indexed_and_indexed_in_bulk() -> None:
    index_pending()
    fresh = factories.user("pending.person", "Not Indexed Yet")
    assert fresh.pk not in _indexed_rowids()
    assert _names("ding.pe") == {"pending.person"}  # read from the users table (LIKE)
    assert _names("INDEXED") == {"pending.person"}  # case-insensitive there too
    assert _names("100%") == set()  # LIKE wildcards in a term are literal
    assert index_pending() == 1
    assert fresh.pk in _indexed_rowids()
    assert _names("ding.pe") == {"pending.person"}  # now from the trigram table, once
    assert index_pending() == 0
    _integrity_check()


@sqlite_only
def test_renames_and_deletes_keep_the_index_exact_on_both_sides_of_the_watermark() -> None:
    indexed = factories.user("indexed.old", "Was Indexed")
    index_pending()
    pending = factories.user("pending.old", "Not Yet")
    IgUser.objects.filter(pk=indexed.pk).update(username="indexed.new")
    IgUser.objects.filter(pk=pending.pk).update(username="pending.new")
    assert _names(".old") == set()
    assert _names(".new") == {"indexed.new", "pending.new"}
    index_pending()
    _integrity_check()  # (compares index and table: meaningful once nothing is pending)
    IgUser.objects.filter(pk=indexed.pk).delete()
    gone = factories.user("never.indexed", "")
    IgUser.objects.filter(pk=gone.pk).delete()  # deleting an unindexed row touches nothing
    _integrity_check()
    assert _names(".new") == {"pending.new"}
    assert _names("never") == set()


@sqlite_only
def test_finalising_a_scrape_indexes_the_users_it_brought() -> None:
    from scraping.instagram.types import UserRecord
    from scraping.services.store import upsert_users

    index_pending()
    upsert_users(
        [UserRecord(pk=9001, username="via_scrape", full_name="", profile_pic_url="",
                    is_verified=False, is_private=False)]
    )  # fmt: skip
    assert IgUser.objects.get(ig_pk=9001).pk not in _indexed_rowids()
    from igdash.tasks import prune_housekeeping

    prune_housekeeping()  # the hourly safety net does what finalise does
    assert IgUser.objects.get(ig_pk=9001).pk in _indexed_rowids()
    _integrity_check()


@sqlite_only
def test_ids_that_go_back_never_corrupt_the_index_and_a_rebuild_catches_up() -> None:
    first = factories.user("first.one", "First")
    index_pending()
    IgUser.objects.all().delete()
    with connection.cursor() as cursor:  # what `flush` does to the sequence
        cursor.execute("DELETE FROM sqlite_sequence WHERE name = 'accounts_app_iguser'")
    again = factories.user("second.one", "Second")
    assert again.pk <= first.pk  # below the watermark, and never indexed
    # A rename of a row the index never saw must not send FTS5 a 'delete' for it.
    IgUser.objects.filter(pk=again.pk).update(username="second.two")
    _integrity_check_of_indexed_rows()
    assert index_pending() == 1  # the counts disagree: rebuilt from the users table
    _integrity_check()
    assert _names("nd.tw") == {"second.two"}
    assert _names("first") == set()
