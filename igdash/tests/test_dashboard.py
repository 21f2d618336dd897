"""The dashboard: KPI cards from stored counts, the Top-5 growth chart data, the
global search, and a number of queries that does not grow with the data."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import unquote

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts_app.models import TrackedAccount
from accounts_app.tests import factories
from igdash import dashboard
from scraping.models import Scrape, ScrapeStats

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(client: Client) -> Client:
    return factories.logged_in(client)


def test_kpis_come_from_stored_counts() -> None:
    factories.tracked("alice", followers=30, following=10, days=3, bookmarked=True)
    bob = factories.tracked("bob", followers=8, following=2, mutual=1, days=2)
    factories.scrape(bob, status=Scrape.Status.RUNNING)
    kpis = dashboard.kpis()
    assert (kpis.tracked, kpis.bookmarked) == (2, 1)
    assert (kpis.stored_followers, kpis.stored_following) == (38, 12)
    assert kpis.last_run is not None and kpis.last_run.status == Scrape.Status.SUCCEEDED
    assert [s.target.user.username for s in kpis.running] == ["bob"]


def test_top_growth_ranks_by_follower_gain_over_thirty_days() -> None:
    now = timezone.now()
    for name, counts in {"slow": [100, 101], "fast": [50, 80], "old": [10, 500]}.items():
        target = TrackedAccount.objects.create(user=factories.user(name))
        days_ago = [40, 35] if name == "old" else [10, 1]
        for count, age in zip(counts, days_ago, strict=True):
            run = factories.scrape(target, when=now - dt.timedelta(days=age))
            ScrapeStats.objects.create(
                scrape=run, target=target, taken_at=run.finished_at, followers=count
            )
    growth = dashboard.top_growth()
    assert [(g.username, g.change) for g in growth] == [("fast", 30), ("slow", 1)]
    chart = dashboard.growth_chart(growth)
    assert chart["datasets"][0]["label"] == "@fast (+30)"  # type: ignore[index]


def test_the_growth_card_says_why_a_tracked_account_is_not_ranked(owner_client: Client) -> None:
    # Before: four of five tracked accounts ranked, and no word about the fifth.
    ranked = factories.tracked("alice", followers=5, following=1, mutual=0, days=2)
    assert len(dashboard.top_growth()) == 1 and ranked is not None
    factories.tracked("bob", followers=3, following=1, mutual=0, days=1)  # one scrape only

    html = owner_client.get("/").content.decode()

    assert "data-growth-note" in html
    assert "Only accounts with two complete followers lists in the last 30 days" in html


def test_search_shows_who_each_user_is_connected_to(owner_client: Client) -> None:
    factories.tracked("alice", followers=3, following=2, mutual=1, days=1)
    html = owner_client.get("/", {"q": "alice_f00000"}).content.decode()
    assert 'data-hit="alice_f00000"' in html
    assert "Follows @alice" in html and "Followed by @alice" in html
    fragment = owner_client.get("/search/", {"q": "ALICE_G"}, HTTP_HX_REQUEST="true")
    assert fragment.content.decode().count("data-hit=") == 1
    assert "<html" not in fragment.content.decode()


def test_search_pages_continue(owner_client: Client) -> None:
    factories.users("zed", dashboard.SEARCH_PAGE + 3)
    first = owner_client.get("/search/", {"q": "zed"}).content.decode()
    assert first.count("data-hit=") == dashboard.SEARCH_PAGE
    start = first.index("cursor=") + len("cursor=")
    cursor = first[start : first.index('"', start)]
    more = owner_client.get("/search/", {"q": "zed", "cursor": cursor}).content.decode()
    assert more.count("data-hit=") == 3


def test_dashboard_queries_do_not_grow_with_the_data(owner_client: Client) -> None:
    factories.tracked("alice", followers=5, following=2, days=2)
    owner_client.get("/")
    with CaptureQueriesContext(connection) as small:
        owner_client.get("/")
    for name in ("bob", "carol", "dave"):
        factories.tracked(name, followers=200, following=50, days=4)
    with CaptureQueriesContext(connection) as big:
        response = owner_client.get("/")
    assert response.status_code == 200
    assert len(big) == len(small)


# --- Terms of 1-2 characters: usernames that start with them (issue #15, point 16) ----


def _hits(html: str) -> list[str]:
    return re.findall(r'data-hit="([^"]+)"', html)


def test_a_short_term_finds_usernames_starting_with_it_in_name_order(
    owner_client: Client,
) -> None:
    for name, full in [
        ("zoe.b", ""),
        ("zo", ""),
        ("zoe.a", ""),
        ("zz_top", ""),
        ("amazon", ""),  # "zo" inside the name: not a prefix
        ("ben", "Zoe Ben"),  # only the full name starts with it
        ("zp", ""),  # just above the range
        ("z", ""),
    ]:
        factories.user(name, full)
    html = owner_client.get("/search/", {"q": "ZO"}).content.decode()
    assert _hits(html) == ["zo", "zoe.a", "zoe.b"]
    assert "Usernames starting with “ZO”" in html
    assert _hits(owner_client.get("/search/", {"q": "@z"}).content.decode()) == [
        "z",
        "zo",
        "zoe.a",
        "zoe.b",
        "zp",
        "zz_top",
    ]
    empty = owner_client.get("/search/", {"q": "qx"}).content.decode()
    assert _hits(empty) == [] and "No username starts with “<bdi>qx</bdi>”" in empty


def test_a_short_term_pages_on_through_the_username_order(owner_client: Client) -> None:
    factories.users("ab", dashboard.SEARCH_PAGE + 3)  # ab00000 ...
    factories.user("aa_before")
    factories.user("ac_after")
    first = owner_client.get("/search/", {"q": "ab"}).content.decode()
    assert _hits(first) == [f"ab{i:05d}" for i in range(dashboard.SEARCH_PAGE)]
    start = first.index("cursor=") + len("cursor=")
    # As the browser reads it: the (base64, maybe "="-padded) cursor is URL-encoded.
    cursor = unquote(first[start : first.index('"', start)])
    more = owner_client.get("/search/", {"q": "ab", "cursor": cursor}).content.decode()
    assert _hits(more) == [
        f"ab{i:05d}" for i in range(dashboard.SEARCH_PAGE, dashboard.SEARCH_PAGE + 3)
    ]
    assert "cursor=" not in more


def test_a_short_term_reads_the_username_index_not_every_user() -> None:
    from accounts_app.search import users_starting_with

    with connection.cursor() as cursor:
        sql, params = (
            users_starting_with("zo").order_by("username", "id")[:26].query.sql_with_params()
        )
        if connection.vendor != "sqlite":
            pytest.skip("the plan checked is SQLite's")
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "USING INDEX iguser_username_id (username>? AND username<?)" in plan, plan


def test_a_search_reads_the_connections_of_its_hits_by_user(owner_client: Client) -> None:
    """The query that finds whom each hit follows must start from the hits'
    user ids, not from every active edge (what a 1M list made slow)."""
    target = factories.tracked("alice", followers=3, following=1, mutual=0, days=3, churn=1)
    with CaptureQueriesContext(connection) as queries:
        html = owner_client.get("/search/", {"q": "alice_f"}).content.decode()
    assert 'data-hit="alice_f00000"' in html
    edges = [q["sql"] for q in queries.captured_queries if "scraping_relationship" in q["sql"]]
    assert len(edges) == 1
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {edges[0]}")
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        assert "scraping_relationship USING INDEX scraping_relationship_user_id" in plan, plan
    # Who left is not shown as following any more.
    gone = target.relationships.filter(ended_by__isnull=False).first()
    assert gone is not None
    hit = dashboard.search(gone.user.username)[2][0]
    assert hit.follows == []
