"""The API's operations on real rows (accounts_app.tests.factories)."""

from __future__ import annotations

import base64
import csv
import io
import json

import openpyxl
import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from accounts_app.models import TrackedAccount
from accounts_app.tests import factories
from api.tests.helpers import Api, make_token
from audience import pages as audience_pages
from audience.models import CommentPart
from audience.tests.builders import audience_account
from content.models import ContentPart
from content.store import finalise, store_page
from content.tests.builders import day, media, part, scrape, target
from exports.models import ExportJob
from scraping.models import Scrape
from scraping.services import create_scrape

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader() -> Api:
    return Api(make_token("reader", "read"))


@pytest.fixture
def writer() -> Api:
    return Api(make_token("writer", "write"))


def walk(api: Api, path: str, **params: object) -> list[dict[str, object]]:
    """Every item of a list, page by page."""
    items: list[dict[str, object]] = []
    cursor = None
    while True:
        page = api.get(path, **params, **({"cursor": cursor} if cursor else {}))
        assert page.status_code == 200, page.content
        body = page.json()
        assert set(body) == {"items", "next_cursor"}
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


def test_accounts_page_by_username_and_search(reader: Api) -> None:
    for name in ("carol", "alice", "bob"):
        factories.tracked(name, followers=3, following=2, mutual=1)
    names = [a["username"] for a in walk(reader, "/accounts", limit=2)]
    assert names == ["alice", "bob", "carol"]
    assert [a["username"] for a in walk(reader, "/accounts", q="CAR")] == ["carol"]
    alice = reader.get("/accounts/@Alice").json()
    assert alice["follower_count"] == 3 and alice["last_scrape"]["status"] == "succeeded"


def test_add_bookmark_unbookmark_delete(writer: Api) -> None:
    added = writer.post(
        "/accounts", {"handle": "https://www.instagram.com/new.one/", "bookmarked": True}
    )
    assert added.status_code == 201 and added.json()["bookmarked"] is True
    assert writer.post("/accounts", {"handle": "no spaces"}).json()["code"] == "bad_input"
    assert writer.delete("/accounts/new.one/bookmark").json()["bookmarked"] is False
    assert writer.put("/accounts/new.one/bookmark").json()["bookmarked"] is True
    assert TrackedAccount.objects.get().bookmarked
    create_scrape("new.one")
    refused = writer.delete("/accounts/new.one")
    assert refused.status_code == 409 and "cancel it first" in refused.json()["message"]
    scrape = Scrape.objects.get()
    assert writer.post(f"/scrapes/{scrape.pk}/cancel").json()["status"] == "cancelled"
    assert writer.post(f"/scrapes/{scrape.pk}/cancel").status_code == 409
    assert writer.post(f"/scrapes/{scrape.pk}/retry").status_code == 409
    assert writer.delete("/accounts/new.one").status_code == 204
    assert not TrackedAccount.objects.exists()


def test_lists_now_as_of_a_scrape_and_searched(reader: Api) -> None:
    target = factories.tracked("alice", followers=30, following=10, mutual=4, days=3, churn=2)
    followers = walk(reader, "/accounts/alice/lists/followers", limit=7)
    assert len(followers) == 30 == len({f["username"] for f in followers})
    scrapes = list(Scrape.objects.filter(target=target).order_by("id"))
    first = walk(reader, "/accounts/alice/lists/followers", at=scrapes[0].pk)
    assert len(first) == 30
    lost = walk(reader, "/accounts/alice/lists/lost")
    assert len(lost) == 2 and all(r["ended_by_scrape"] == scrapes[-1].pk for r in lost)
    assert len(walk(reader, "/accounts/alice/lists/new")) == 2
    assert len(walk(reader, "/accounts/alice/lists/mutuals")) == 4
    assert len(walk(reader, "/accounts/alice/lists/not_following_back")) == 6
    found = walk(reader, "/accounts/alice/lists/followers", q="alice_f00003")
    assert [f["username"] for f in found] == ["alice_f00003"]
    missing = reader.get("/accounts/alice/lists/followers", at=999999)
    assert missing.status_code == 404 and "not a finished scrape" in missing.json()["message"]
    assert reader.get("/accounts/alice/lists/enemies").status_code == 400


def test_timeline_newest_first(reader: Api) -> None:
    factories.tracked("alice", followers=10, days=4, churn=1)
    points = walk(reader, "/accounts/alice/timeline", limit=3)
    assert len(points) == 4
    assert [p["taken_at"] for p in points] == sorted((p["taken_at"] for p in points), reverse=True)
    assert points[-1]["new_followers"] == 10 and points[0]["lost_followers"] == 1


def test_exports_stream_csv_json_and_xlsx(reader: Api) -> None:
    factories.tracked("alice", followers=25, following=5, mutual=2)
    as_csv = reader.get("/accounts/alice/exports/followers", format="csv")
    assert as_csv["Content-Type"].startswith("text/csv")
    text = b"".join(as_csv.streaming_content).decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(text)))) == 26
    as_json = reader.get("/accounts/alice/exports/followers", format="json", q="alice_f0000")
    rows = json.loads(b"".join(as_json.streaming_content))
    assert len(rows) == 10 and rows[0]["username"].startswith("alice_f0000")
    as_xlsx = reader.get("/accounts/alice/exports/mutuals", format="xlsx")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(as_xlsx.streaming_content)))
    assert book.active.max_row == 3
    assert reader.get("/accounts/alice/exports/followers", format="pdf").status_code == 400


def test_a_big_xlsx_becomes_a_background_job(reader: Api, settings: SettingsWrapper) -> None:
    settings.EXPORT_BACKGROUND_ROWS = 10
    factories.tracked("alice", followers=25)
    answer = reader.get("/accounts/alice/exports/followers", format="xlsx")
    assert answer.status_code == 202
    job = answer.json()
    assert job["status"] == "queued" and job["rows_total"] == 25 and job["download_url"] is None
    assert reader.get(f"/exports/{job['id']}").json()["id"] == job["id"]
    assert reader.get(f"/exports/{job['id']}/file").status_code == 409


def test_background_exports_are_capped(reader: Api, settings: SettingsWrapper) -> None:
    """A read token cannot queue hundreds of big XLSX jobs by varying `q`."""
    settings.EXPORT_BACKGROUND_ROWS = 2
    settings.EXPORT_MAX_ACTIVE_JOBS = 2
    factories.tracked("alice", followers=30)
    path = "/accounts/alice/exports/followers"
    first = reader.get(path, format="xlsx", q="alice_f")
    second = reader.get(path, format="xlsx", q="alice_f0")
    assert (first.status_code, second.status_code) == (202, 202)
    refused = reader.get(path, format="xlsx", q="alice_f0001")
    assert refused.status_code == 429 and refused["Retry-After"] == "30"
    assert refused.json()["code"] == "throttled" and "wait for one" in refused.json()["message"]
    # The same export again is the job already running, not a new one.
    assert reader.get(path, format="xlsx", q="alice_f").json()["id"] == first.json()["id"]
    assert reader.get(path, format="csv", q="alice_f0001").status_code == 200  # streams at once
    ExportJob.objects.filter(pk=first.json()["id"]).update(status=ExportJob.Status.FAILED)
    assert reader.get(path, format="xlsx", q="alice_f0001").status_code == 202


def test_scrape_create_list_get(writer: Api) -> None:
    made = writer.post("/scrapes", {"handle": "alice", "lists": ["following"], "content": True})
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["lists"] == "following" and [p["list"] for p in body["progress"]] == ["following"]
    assert body["extras"] and body["counts"] is None
    assert writer.post("/scrapes", {"handle": "bob", "lists": []}).status_code == 400
    assert writer.post("/scrapes", {"handle": "bob", "lists": ["enemies"]}).status_code == 400
    listed = walk(writer, "/scrapes", account="alice")
    assert [s["id"] for s in listed] == [body["id"]]
    assert walk(writer, "/scrapes", status="succeeded") == []
    assert writer.get(f"/scrapes/{body['id']}").json()["status"] == "queued"


def test_posts_of_an_account(reader: Api) -> None:
    account = target("creator", followers=1000)
    run = scrape(account, day(1), followers=1000)
    content = part(run)
    store_page(
        run,
        content,
        [media(100 + i, day(1), likes=10 * i, comments=i, caption=f"post {i}") for i in range(5)],
    )
    finalise(run, content)
    posts = walk(reader, "/accounts/creator/posts", limit=2)
    assert len(posts) == 5
    assert {p["caption"] for p in posts} == {f"post {i}" for i in range(5)}
    assert {p["likes"] for p in posts} == {0, 10, 20, 30, 40}
    assert all(p["url"].startswith("https://www.instagram.com/") for p in posts)


def test_hostile_text_is_a_4xx_or_nothing_found(writer: Api) -> None:
    factories.tracked("alice", followers=3)
    hostile = ["a\x00b", "x" * 10_000, '"a" OR b*', "NEAR(", "\x1b[31m"]
    for text in hostile:
        for path, params in (
            ("/accounts", {"q": text}),
            ("/accounts/alice/lists/followers", {"q": text}),
            ("/scrapes", {"account": text}),
            ("/accounts/alice/exports/followers", {"q": text, "format": "json"}),
        ):
            answer = writer.get(path, **params)
            assert answer.status_code in (200, 400), (path, text[:20], answer.status_code)
        for path in (f"/accounts/{text}", f"/accounts/{text}/lists/followers"):
            assert writer.client.get("/api/v1" + path, **writer.meta).status_code in (400, 404)
        answer = writer.post("/scrapes", {"handle": text})
        assert answer.status_code == 400 and answer.json()["code"] == "bad_input"
    # A lone surrogate, as bytes that are not UTF-8, where the client cannot encode it.
    for url in (
        "/api/v1/accounts?q=%ED%A0%80",
        "/api/v1/accounts/%ED%A0%80",
        "/api/v1/scrapes?account=%ED%A0%80",
        "/api/v1/accounts/alice/lists/followers?q=%ED%A0%80",
    ):
        assert writer.client.get(url, **writer.meta).status_code in (200, 400, 404), url


def test_scrapes_with_comments(writer: Api) -> None:
    alone = writer.post("/scrapes", {"handle": "alice", "lists": [], "comments": True})
    assert alone.status_code == 201, alone.content
    made = Scrape.objects.get(pk=alone.json()["id"])
    assert made.lists == Scrape.Lists.NONE
    assert CommentPart.objects.get(scrape=made).posts == 12
    # Alone, comments list the posts they need: the last 12.
    window = ContentPart.objects.get(scrape=made)
    assert (window.mode, window.limit) == (ContentPart.Mode.LAST, 12)
    both = writer.post(
        "/scrapes", {"handle": "bob", "content": True, "comments": True, "comment_posts": 3}
    )
    assert both.status_code == 201, both.content
    made = Scrape.objects.get(pk=both.json()["id"])
    assert made.lists == Scrape.Lists.BOTH
    assert CommentPart.objects.get(scrape=made).posts == 3
    assert ContentPart.objects.get(scrape=made).mode == ContentPart.Mode.ALL
    for loose in ({"comments": "yes"}, {"comments": 1}, {"comments": True, "comment_posts": True}):
        answer = writer.post("/scrapes", {"handle": "carol", **loose})
        assert answer.status_code == 400, (loose, answer.content)
    refused = writer.post("/scrapes", {"handle": "carol", "comment_posts": 3})
    assert refused.status_code == 400 and "comments" in refused.json()["message"]
    assert (
        writer.post(
            "/scrapes", {"handle": "carol", "comments": True, "comment_posts": 0}
        ).status_code
        == 400
    )
    assert writer.post("/scrapes", {"handle": "alice", "comments": True}).status_code == 409


def test_commenters_page_through_the_audience_table(reader: Api) -> None:
    audience_account("creator", commenters=40)
    everyone = walk(reader, "/accounts/creator/commenters", limit=7)
    assert len(everyone) == 40 and len({c["username"] for c in everyone}) == 40
    # The builder's commenter n wrote on the 1 + n % 5 newest posts, one comment each.
    by_name = {c["full_name"]: c for c in everyone}
    for n in range(40):
        row = by_name[f"Fan Number {n}"]
        assert row["comments"] == row["posts_commented"] == 1 + n % 5, n
    counts = [(c["comments"], c["posts_commented"]) for c in everyone]
    assert counts == sorted(counts, reverse=True)
    # Even n follow (n % 10 == 0 left again); odd n never did.
    follows = {c["full_name"] for c in walk(reader, "/accounts/creator/commenters", show="follows")}
    assert follows == {f"Fan Number {n}" for n in range(40) if n % 2 == 0 and n % 10}
    assert all(by_name[name]["follows"] is True for name in follows)
    assert by_name["Fan Number 1"]["follows"] is False
    names = [
        c["username"]
        for c in walk(reader, "/accounts/creator/commenters", sort="username", limit=9)
    ]
    assert names == sorted(names)
    found = walk(reader, "/accounts/creator/commenters", q="number 13")
    assert [c["full_name"] for c in found] == ["Fan Number 13"]
    # The same rows, in the same order, as the Audience tab's table.
    tab = audience_pages.figures(TrackedAccount.objects.get(user__username="creator"))
    assert [c["username"] for c in everyone] == [r.username for r in tab.ordered("comments")]


def test_commenters_refuse_bad_input(reader: Api) -> None:
    audience_account("creator", commenters=12)
    first = reader.get("/accounts/creator/commenters", limit=5).json()
    assert first["next_cursor"]
    for params in (
        {"sort": "likes"},
        {"show": "everyone"},
        {"cursor": "not-a-cursor"},
        {"cursor": first["next_cursor"], "sort": "username"},  # another sort's position
        {"cursor": first["next_cursor"], "sort": "posts"},  # another sort's, same shape
        {"cursor": base64.urlsafe_b64encode(b'["comments", NaN, 1, 2]').decode()},
        {"cursor": base64.urlsafe_b64encode(b'["comments", 1e400, 1, 2]').decode()},
        {"cursor": base64.urlsafe_b64encode(b'["comments", true, 1, 2]').decode()},
        {"limit": 0},
    ):
        answer = reader.get("/accounts/creator/commenters", **params)
        assert answer.status_code == 400, (params, answer.content)
        assert answer.json()["code"] == "bad_input"
    missing = reader.get("/accounts/nobody/commenters")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    factories.tracked("quiet", followers=3)
    assert reader.get("/accounts/quiet/commenters").json() == {"items": [], "next_cursor": None}
