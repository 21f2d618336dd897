"""Substring search over every user: the FTS5 trigram table follows every
write, including the engine's raw upserts; short terms fall back to LIKE."""

from __future__ import annotations

import pytest
from django.db import connection

from accounts_app.models import IgUser
from accounts_app.search import clean_term, fts_available, users_matching
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
