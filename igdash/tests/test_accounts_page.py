"""The Accounts page: search, keyset paging, bookmark toggle, delete."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from accounts_app.models import IgUser, TrackedAccount
from accounts_app.tests import factories
from igdash.account_pages.accounts import PAGE_SIZE
from scraping.models import Relationship, Scrape

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(client: Client) -> Client:
    return factories.logged_in(client)


def test_lists_tracked_accounts_with_their_stored_counts(owner_client: Client) -> None:
    factories.tracked("alice", followers=12, following=4, days=2)
    html = owner_client.get("/accounts/").content.decode()
    assert 'data-account="alice"' in html
    assert ">12<" in html and ">4<" in html
    assert 'href="/scrapes/new/?handle=alice"' in html


def test_search_narrows_the_list(owner_client: Client) -> None:
    factories.tracked("alice", followers=2, following=1, mutual=0, days=1)
    factories.tracked("bob", followers=2, following=1, mutual=0, days=1)
    html = owner_client.get("/accounts/", {"q": "@BO"}).content.decode()
    assert 'data-account="bob"' in html and 'data-account="alice"' not in html


def test_pages_continue_after_the_last_account_shown(owner_client: Client) -> None:
    for i in range(PAGE_SIZE + 5):
        TrackedAccount.objects.create(user=factories.user(f"acct{i:03d}"))
    first = owner_client.get("/accounts/").content.decode()
    assert first.count('data-account="') == PAGE_SIZE
    start = first.index("cursor=", first.index('hx-trigger="revealed"') - 200) + len("cursor=")
    cursor = first[start : first.index('"', start)]
    rest = owner_client.get("/accounts/-/rows/", {"cursor": cursor}).content.decode()
    assert rest.count('data-account="') == 5
    assert 'data-account="acct034"' in rest and 'data-account="acct000"' not in rest
    assert 'hx-trigger="revealed"' not in rest


def _no_csrf(html: bytes) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html.decode())


@pytest.mark.parametrize(
    ("page", "rows"),
    [
        ("/accounts/", "/accounts/-/rows/"),
        ("/accounts/alice/", "/accounts/alice/rows/"),
        ("/scrapes/", "/scrapes/rows/"),
    ],
)
def test_one_view_answers_a_list_page_or_its_rows(
    owner_client: Client, page: str, rows: str
) -> None:
    """HTMX asking the page gets what the rows URL gives; a plain load the page.
    Both vary on HX-Request, so a cache cannot swap them."""
    factories.tracked("alice", followers=3, following=2, mutual=1, days=1)
    full = owner_client.get(page)
    partial = owner_client.get(page, headers={"HX-Request": "true"})
    assert "<html" in full.content.decode() and "<html" not in partial.content.decode()
    # The same rows; only the page's own path differs (the bookmark's "next").
    expected = _no_csrf(owner_client.get(rows).content).replace(f'"{rows}"', f'"{page}"')
    assert _no_csrf(partial.content) == expected
    restored = owner_client.get(
        page, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restored.content.decode()
    for response in (full, partial):
        assert "HX-Request" in response["Vary"]


def test_bookmark_toggles_with_htmx_and_without(owner_client: Client) -> None:
    target = factories.tracked("alice", followers=2, following=1, mutual=0, days=1)
    response = owner_client.post("/accounts/alice/bookmark/", {"on": "1"}, HTTP_HX_REQUEST="true")
    assert 'aria-pressed="true"' in response.content.decode()
    target.refresh_from_db()
    assert target.bookmarked
    response = owner_client.post("/accounts/alice/bookmark/", {"on": "0", "next": "/accounts/"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert not target.bookmarked


def test_delete_asks_first_then_forgets_the_history_but_keeps_the_users(
    owner_client: Client,
) -> None:
    factories.tracked("alice", followers=5, following=2, days=2)
    users_before = IgUser.objects.count()
    confirm = owner_client.get("/accounts/alice/delete/").content.decode()
    assert "cannot be undone" in confirm
    assert TrackedAccount.objects.count() == 1
    response = owner_client.post("/accounts/alice/delete/")
    assert response.status_code == 302
    assert not TrackedAccount.objects.exists()
    assert not Scrape.objects.exists() and not Relationship.objects.exists()
    assert IgUser.objects.count() == users_before


def test_delete_is_refused_while_a_scrape_runs(owner_client: Client) -> None:
    target = factories.tracked("alice", followers=5, following=2, days=1)
    factories.scrape(target, status=Scrape.Status.RUNNING)
    html = owner_client.post("/accounts/alice/delete/").content.decode()
    assert 'role="alert"' in html and "cancel it first" in html
    assert TrackedAccount.objects.filter(pk=target.pk).exists()


def test_right_to_left_names_are_isolated_where_every_name_sits(owner_client: Client) -> None:
    # dir="auto" on the name's block turned the whole line right-to-left, which
    # pushed a Hebrew or Arabic name to the far right, away from its handle.
    # <bdi> isolates the name's direction and leaves the line's alignment alone.
    TrackedAccount.objects.create(user=factories.user("noor", "نور الهدى · Nour"))
    html = owner_client.get("/accounts/").content.decode()
    assert "<bdi>نور الهدى · Nour</bdi>" in html
    assert 'dir="auto">نور' not in html


def test_an_account_without_a_complete_followers_list_says_so_in_its_trend(
    owner_client: Client,
) -> None:
    # @demo_capped: 21 scrapes, every followers list capped by Instagram; its row
    # showed an empty trend and dashes with no word why.
    from scraping.models import ScrapeStats

    factories.tracked("capped", followers=8, following=3, days=3)
    ScrapeStats.objects.update(followers=None)
    html = owner_client.get("/accounts/").content.decode()
    assert "No complete followers list yet" in html
