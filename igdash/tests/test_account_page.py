"""The account page: lists, filters, paging, and a number of queries that does
not depend on how many followers the account has."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from accounts_app.models import TrackedAccount
from accounts_app.tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(client: Client) -> Client:
    return factories.logged_in(client)


VIEWS = [
    "/accounts/alice/",
    "/accounts/alice/?tab=following",
    "/accounts/alice/?tab=mutuals&q=ali",
    "/accounts/alice/?show=new",
    "/accounts/alice/?show=lost",
    "/accounts/alice/?tab=following&show=not_following_back",
    "/accounts/alice/?show=not_followed_back&q=alice_f0000",
]


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("url", VIEWS)
def test_queries_do_not_grow_with_the_number_of_followers(
    owner_client: Client, django_assert_max_num_queries, url: str
) -> None:
    factories.tracked("alice", followers=10, following=6, mutual=3, days=3)
    owner_client.get(url)  # warm: the search asks once whether the FTS table exists
    small = _queries(owner_client, url)
    TrackedAccount.objects.all().delete()
    factories.tracked("alice", followers=500, following=300, mutual=150, days=3)
    with django_assert_max_num_queries(12):
        big = owner_client.get(url)
    assert big.status_code == 200
    assert _queries(owner_client, url) == small


def test_followers_are_listed_newest_first_fifty_at_a_time(owner_client: Client) -> None:
    factories.tracked("alice", followers=120, following=10, days=2, churn=1)
    html = owner_client.get("/accounts/alice/").content.decode()
    assert html.count('data-user="') == 50
    # The follower who arrived in the latest scrape comes first.
    assert html.index('data-user="alice_f00120"') < html.index('data-user="alice_f00118"')
    assert 'data-user="alice_f00000"' not in html  # the oldest is on a later page
    assert 'href="https://www.instagram.com/alice_f00120/"' in html
    assert 'target="_blank" rel="noopener"' in html
    more = owner_client.get("/accounts/alice/rows/", {"cursor": _cursor(html)})
    rows = more.content.decode()
    assert rows.count('data-user="') == 50
    assert 'data-user="alice_f00120"' not in rows


def _cursor(html: str) -> str:
    marker = "cursor="
    start = html.index(marker, html.index('hx-trigger="revealed"') - 300) + len(marker)
    return html[start : html.index('"', start)].split("&")[0]


def test_only_new_and_only_lost_show_the_latest_churn(owner_client: Client) -> None:
    factories.tracked("alice", followers=20, following=5, days=3, churn=2)
    new = owner_client.get("/accounts/alice/", {"show": "new"}).content.decode()
    lost = owner_client.get("/accounts/alice/", {"show": "lost"}).content.decode()
    assert new.count('data-user="') == 2
    assert lost.count('data-user="') == 2
    assert "Lost" in lost


def test_search_finds_substrings_of_usernames_and_full_names(owner_client: Client) -> None:
    target = factories.tracked("alice", followers=5, following=2, mutual=0, days=1)
    special = factories.user("zz_top", "Dusty Hill")
    from scraping.models import Direction, Relationship

    Relationship.objects.create(
        target=target, user=special, direction=Direction.FOLLOWER, first_seen=target.last_scrape
    )
    by_name = owner_client.get("/accounts/alice/", {"q": "usty"}).content.decode()
    assert by_name.count('data-user="') == 1 and 'data-user="zz_top"' in by_name
    short = owner_client.get("/accounts/alice/", {"q": "zz"}).content.decode()
    assert short.count('data-user="') == 1


def test_not_following_back_lists_followed_accounts_that_do_not_follow(
    owner_client: Client,
) -> None:
    factories.tracked("alice", followers=10, following=6, mutual=4, days=1)
    html = owner_client.get(
        "/accounts/alice/", {"tab": "following", "show": "not_following_back"}
    ).content.decode()
    assert html.count('data-user="alice_g') == 2
    assert 'data-user="alice_f' not in html


def test_bad_filter_values_show_inline_errors_and_keep_the_search(owner_client: Client) -> None:
    factories.tracked("alice", followers=5, following=2, days=1)
    html = owner_client.get(
        "/accounts/alice/", {"tab": "mutuals", "show": "lost", "q": "keep me", "at": "999999"}
    ).content.decode()
    assert 'id="list-show-error"' in html and "not available on the mutuals tab" in html
    assert 'id="list-at-error"' in html
    assert 'value="keep me"' in html


def test_export_link_points_at_the_download_of_the_list_on_screen(owner_client: Client) -> None:
    target = factories.tracked("alice", followers=5, following=2, days=2)
    html = owner_client.get(
        "/accounts/alice/", {"show": "new", "at": target.last_scrape_id, "q": "ali"}
    ).content.decode()
    assert f'href="/exports/alice/new.csv?at={target.last_scrape_id}&amp;q=ali"' in html
    assert 'data-export="/exports/alice/LIST.FMT"' in html


def test_unknown_account_is_404(owner_client: Client) -> None:
    assert owner_client.get("/accounts/nobody/").status_code == 404


def test_the_import_card_shows_that_it_opens_and_what_it_does(owner_client: Client) -> None:
    factories.tracked("alice", followers=3, following=1, mutual=0, days=1)
    html = owner_client.get("/accounts/alice/").content.decode()
    start = html.index('<details class="disclosure')
    summary = html[html.index("<summary", start) : html.index("</summary>", start)]
    assert "data-chevron" in summary  # the arrow that turns when it opens
    assert "Upload the file Instagram sends" in summary  # one line of what it does


def test_the_follow_back_chart_names_its_counts(owner_client: Client) -> None:
    factories.tracked("alice", followers=8, following=5, mutual=3, days=2)
    html = owner_client.get("/accounts/alice/").content.decode()
    data = json.loads(html.split('id="followback-data" type="application/json">')[1].split("<")[0])
    assert data["labels"] == ["Mutuals: 3", "They don't follow back: 2", "Not followed back: 5"]


@override_settings(TIME_ZONE="Asia/Tokyo")
def test_server_rendered_times_carry_their_zone(owner_client: Client) -> None:
    factories.tracked("alice", followers=3, following=1, mutual=0, days=2)
    for url in ("/", "/accounts/", "/accounts/alice/"):
        html = owner_client.get(url).content.decode()
        times = re.findall(r"<time [^>]*>([^<]+)</time>", html)
        with_clock = [t for t in times if ":" in t]  # dates alone need no zone
        assert with_clock, url
        assert all(t.endswith(" JST") for t in with_clock), (url, with_clock)


def test_a_failed_scrape_in_the_history_says_why(owner_client: Client) -> None:
    # Before: "#7 Dec 3 Failed" and nothing more; the reason was only on the Scrapes page.
    target = factories.tracked("alice", followers=3, following=1, mutual=0, days=1)
    failed = factories.scrape(
        target,
        status="failed",
        error_code="http_502",
        error_message="Gave up after 5 retries: Instagram answered HTTP 502",
    )

    html = owner_client.get("/accounts/alice/").content.decode()

    row = html.split(f">#{failed.pk}</a>")[1].split("</li>")[0]
    assert "Gave up after 5 retries: Instagram answered HTTP 502" in row
