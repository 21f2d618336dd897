"""The Accounts table's per-account trend: a sparkline of followers per scrape
and the change over the last 7 and 30 days, sortable by that change with keyset
pages, in a number of queries that does not grow with the rows shown."""

from __future__ import annotations

import base64
import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts_app.models import TrackedAccount
from accounts_app.tests import factories
from igdash.account_pages import accounts as tracked
from scraping.models import ScrapeStats

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(client: Client) -> Client:
    return factories.logged_in(client)


def history(username: str, counts: dict[int, int | None]) -> TrackedAccount:
    """A tracked account whose follower count was `counts[days_ago]` (None: that
    scrape's follower list was partial, so no count)."""
    target = TrackedAccount.objects.create(user=factories.user(username))
    now = timezone.now()
    for days_ago, followers in sorted(counts.items(), reverse=True):
        when = now - dt.timedelta(days=days_ago, minutes=5)
        run = factories.scrape(target, when=when)
        ScrapeStats.objects.create(
            scrape=run, target=target, taken_at=run.finished_at, followers=followers, following=1
        )
    return target


def row(html: str, username: str) -> str:
    start = html.index(f'data-account="{username}"')
    end = html.find("data-account=", start + 10)
    return html[start : end if end > 0 else len(html)]


def test_each_row_shows_a_sparkline_and_its_changes(owner_client: Client) -> None:
    history("grower", {40: 100, 20: 110, 6: 120, 2: 130, 0: 150})
    history("shrinker", {3: 80, 0: 50})
    history("newcomer", {0: 10})
    html = owner_client.get("/accounts/").content.decode()

    grower = row(html, "grower")
    points = re.search(r'<polyline[^>]* points="([^"]+)"', grower)
    assert points, grower
    assert len(points.group(1).split()) == 5  # one point per scrape with a count
    # 7 days: 120 (6 days ago) -> 150; 30 days: 110 (20 days ago) -> 150.
    assert 'data-change-7d="30"' in grower and 'data-change-30d="40"' in grower
    assert "+30" in grower and "+40" in grower

    shrinker = row(html, "shrinker")
    assert 'data-change-7d="-30"' in shrinker and "\u221230" in shrinker

    newcomer = row(html, "newcomer")  # one scrape: no trend to speak of
    assert 'data-change-7d=""' in newcomer and "<polyline" not in newcomer


def test_partial_scrapes_leave_gaps_not_zeros(owner_client: Client) -> None:
    history("capped", {4: 5000, 2: None, 0: 5010})
    capped = row(owner_client.get("/accounts/").content.decode(), "capped")
    assert 'data-change-7d="10"' in capped
    points = re.search(r'<polyline[^>]* points="([^"]+)"', capped)
    assert points and len(points.group(1).split()) == 2


def test_sorting_by_change_pages_through_every_account_once(owner_client: Client) -> None:
    size = tracked.PAGE_SIZE
    for i in range(size + 7):
        history(f"acct{i:03d}", {5: 100, 0: 100 + (i % 11) * 3})  # ties on purpose
    history("flat", {0: 7})  # no change known: after every known one
    seen: list[tuple[str, int | None]] = []
    html = owner_client.get("/accounts/", {"sort": "growth7"}).content.decode()
    while True:
        seen += [
            (name, int(change) if change else None)
            for name, change in re.findall(
                r'data-account="([^"]+)"[^>]*data-change-7d="(-?\d*)"', html
            )
        ]
        more = re.search(r'hx-get="/accounts/-/rows/\?([^"]+)"', html)
        if not more:
            break
        html = owner_client.get("/accounts/-/rows/?" + more.group(1).replace("&amp;", "&"))
        html = html.content.decode()
    assert len(seen) == size + 8
    assert len({name for name, _ in seen}) == size + 8
    changes = [change for _, change in seen]
    assert changes[-1] is None and seen[-1][0] == "flat"
    known = [c for c in changes if c is not None]
    assert known == sorted(known, reverse=True)

    declining = owner_client.get("/accounts/", {"sort": "decline7"}).content.decode()
    first = re.search(r'data-account="[^"]+"[^>]*data-change-7d="(-?\d*)"', declining)
    assert first and first.group(1) == "0"


def test_an_unknown_sort_falls_back_to_names(owner_client: Client) -> None:
    history("bob", {1: 5, 0: 9})
    history("alice", {1: 5, 0: 6})
    html = owner_client.get("/accounts/", {"sort": "'; drop table"}).content.decode()
    assert html.index('data-account="alice"') < html.index('data-account="bob"')


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ["/accounts/", "/accounts/?sort=growth30"])
def test_queries_do_not_grow_with_the_rows_shown(owner_client: Client, url: str) -> None:
    history("first", {9: 1, 3: 2, 0: 3})
    owner_client.get(url)  # warm
    one = _queries(owner_client, url)
    for i in range(20):
        history(f"more{i:02d}", {9: 1, 3: 2 + i, 0: 3 + i})
    assert _queries(owner_client, url) == one


@pytest.mark.parametrize(
    "value", ['"abc"', "1e400", str(10**30), "[1]", "true"], ids=lambda v: v[:8]
)
def test_a_forged_cursor_is_refused_with_a_400(owner_client: Client, value: str) -> None:
    # The same rule as every keyset list (core/keyset.py, BadCursor): a cursor
    # igdash did not hand out is a 400 with a message, never a 500 or a restart.
    history("alice", {1: 5, 0: 6})
    forged = base64.urlsafe_b64encode(f"[{value}, 1]".encode()).decode()
    response = owner_client.get("/accounts/-/rows/", {"sort": "growth7", "cursor": forged})
    assert response.status_code == 400
    assert "not a valid page position" in response.content.decode()


def test_a_cursor_past_the_unknown_changes_is_a_page(owner_client: Client) -> None:
    history("alice", {1: 5, 0: 6})
    cursor = base64.urlsafe_b64encode(b"[null, 1]").decode()
    response = owner_client.get("/accounts/-/rows/", {"sort": "growth7", "cursor": cursor})
    assert response.status_code == 200


@pytest.mark.parametrize("sort", ["name", "growth7"])
def test_a_cursor_with_a_huge_row_id_is_refused(owner_client: Client, sort: str) -> None:
    history("alice", {1: 5, 0: 6})
    forged = base64.urlsafe_b64encode(f'["a", {10**30}]'.encode()).decode()
    response = owner_client.get("/accounts/-/rows/", {"sort": sort, "cursor": forged})
    assert response.status_code == 400
