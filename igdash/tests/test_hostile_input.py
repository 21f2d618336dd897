"""Inputs that used to answer 500 (issue #15, point 5): each now gets a clear 4xx
or an empty result, and what it means stays the same for every caller."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from django.test import Client, override_settings

from accounts_app import vault
from accounts_app.models import TrackedAccount
from accounts_app.search import clean_term
from accounts_app.tests import factories
from core import keyset

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(client: Client) -> Client:
    return factories.logged_in(client)


def _cursor(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


# --- A NUL byte (or any control character) in a search term --------------------------


@pytest.mark.parametrize(
    "url,term",
    [("/", "ab\x00cd"), ("/search/", "abc\x00"), ("/search/", "\x00\x00\x00"), ("/", "ab\x07c")],
)
def test_control_characters_in_a_search_are_dropped_not_a_500(
    owner_client: Client, url: str, term: str
) -> None:
    factories.user("abcd", "Ab Cd")
    response = owner_client.get(url, {"q": term})
    assert response.status_code == 200
    if term.replace("\x00", "").replace("\x07", "") in {"abcd", "abc"}:
        assert 'data-hit="abcd"' in response.content.decode()


def test_the_account_pages_search_drops_control_characters_too(owner_client: Client) -> None:
    factories.tracked("alice", followers=3, following=1, mutual=0, days=1)
    response = owner_client.get("/accounts/alice/", {"q": "alice_f0000\x072"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-user="alice_f00002"' in html and html.count('data-user="') == 1
    # A NUL is refused by the form itself (Django's null-character validator).
    assert owner_client.get("/accounts/alice/", {"q": "alice_f0000\x002"}).status_code == 200
    assert owner_client.get("/accounts/", {"q": "ali\x00ce"}).status_code == 200


def test_clean_term_strips_control_characters_and_lone_surrogates_once_for_all() -> None:
    assert clean_term(" @ab\x00c\x1fd\x7f ") == "abcd"
    assert clean_term("x\ud800y") == "xy"
    # Format characters are part of real names (right-to-left marks, joiners): kept.
    assert clean_term("a\u200db") == "a\u200db"


# --- Crafted keyset cursors -------------------------------------------------------------


CRAFTED = [
    _cursor(["a", float("inf")]),
    _cursor([None, 1]),
    _cursor(["a", None]),
    _cursor([1, 1]),
    _cursor(["a", 2**80]),
    _cursor(["a", True]),
    _cursor(["a", 1.5]),
    _cursor([["a"], 1]),
    _cursor({"a": 1}),
    _cursor(["a", 1, 2]),
    _cursor("a"),
    "not base64 at all!",
    base64.urlsafe_b64encode(b"\xff\xfe").decode(),
]


@pytest.mark.parametrize("cursor", CRAFTED)
@pytest.mark.parametrize("url", ["/accounts/", "/accounts/-/rows/"])
def test_crafted_cursors_on_the_accounts_list_are_a_400(
    owner_client: Client, url: str, cursor: str
) -> None:
    TrackedAccount.objects.create(user=factories.user("alice"))
    response = owner_client.get(url, {"cursor": cursor})
    assert response.status_code == 400
    assert "not a valid page position" in response.content.decode()


@pytest.mark.parametrize("cursor", ["9" * 30, "-" + "9" * 30, "1e9", "abc", "\x00"])
@pytest.mark.parametrize(
    "url,params",
    [
        ("/search/", {"q": "ali"}),
        ("/scrapes/", {}),
        ("/scrapes/rows/", {"account": "alice"}),
        ("/accounts/alice/", {}),
        ("/accounts/alice/rows/", {}),
        ("/accounts/alice/rows/", {"q": "alice_f"}),
    ],
)
def test_crafted_id_cursors_are_a_400(
    owner_client: Client, url: str, params: dict[str, str], cursor: str
) -> None:
    factories.tracked("alice", followers=3, following=1, mutual=0, days=1)
    response = owner_client.get(url, {**params, "cursor": cursor})
    assert response.status_code == 400
    assert "not a valid page position" in response.content.decode()


def test_valid_cursors_still_page() -> None:
    for i in range(3):
        TrackedAccount.objects.create(user=factories.user(f"acct{i}"))
    qs = TrackedAccount.objects.all()
    first = keyset.by_field(qs, "user__username", None, 2)
    assert first.next_cursor is not None
    rest = keyset.by_field(qs, "user__username", first.next_cursor, 2)
    assert [t.user.username for t in rest.items] == ["acct2"]
    with pytest.raises(keyset.BadCursor):
        keyset.by_field(qs, "user__username", _cursor(["acct1", -(2**70)]), 2)


# --- /unlock/ without passphrase mode ---------------------------------------------------


def test_unlock_without_passphrase_mode_is_a_400(owner_client: Client, tmp_path: Path) -> None:
    with override_settings(DATA_DIR=tmp_path):
        assert not vault.passphrase_mode()
        response = owner_client.post("/unlock/", {"passphrase": "anything at all"})
    assert response.status_code == 400
    assert "no passphrase" in response.content.decode()


def test_unlock_without_passphrase_mode_counts_no_failed_login(
    owner_client: Client, tmp_path: Path, settings
) -> None:
    # A stale unlock form posted a few times used to lock the owner's own address
    # out of the login page, although no passphrase exists to guess.
    from axes.models import AccessAttempt

    with override_settings(DATA_DIR=tmp_path):
        for _ in range(settings.LOGIN_MAX_FAILURES + 1):
            assert owner_client.post("/unlock/", {"passphrase": "x"}).status_code == 400
    assert not AccessAttempt.objects.exists()
