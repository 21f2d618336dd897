from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tempfile
from typing import IO, Any

import openpyxl
import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client

from exports.tests.history import churn_history, make_target
from scraping.models import Scrape

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 6, 1, 8, 5, tzinfo=dt.UTC)
History = tuple[list[Scrape], dict[int, dict[int, set[str]]]]


@pytest.fixture
def owner(client: Client) -> Client:
    user = User.objects.create_superuser("owner", "", "pw-123456789")
    client.force_login(user)
    return client


@pytest.fixture
def history() -> History:
    return churn_history(make_target())


def test_anonymous_visitor_is_sent_to_login(client: Client, history: History) -> None:
    response = client.get("/exports/target/followers.csv")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/exports/target/followers.csv")


@time_machine.travel(NOW, tick=False)
def test_csv_download_is_a_streamed_attachment(owner: Client, history: History) -> None:
    scrapes, saw = history
    response = owner.get("/exports/@Target/followers.csv")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="igdash_target_followers_20250601-0805.csv"'
    )
    assert "no-store" in response["Cache-Control"]
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    usernames = {row["username"] for row in csv.DictReader(io.StringIO(body))}
    assert usernames == saw[scrapes[-1].pk][1]


@time_machine.travel(NOW, tick=False)
def test_json_download_as_of_a_scrape_with_search(owner: Client, history: History) -> None:
    scrapes, saw = history
    first = scrapes[0]
    response = owner.get(f"/exports/target/following.json?at={first.pk}&q=user0")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="igdash_target_following_20250601-0805.json"'
    )
    records = json.loads(b"".join(response.streaming_content))
    assert {r["username"] for r in records} == {n for n in saw[first.pk][2] if "user0" in n}


@time_machine.travel(NOW, tick=False)
def test_xlsx_download_comes_from_a_temporary_file_closed_after_sending(
    owner: Client, history: History, monkeypatch: pytest.MonkeyPatch
) -> None:
    spools: list[IO[bytes]] = []
    real_temporary_file = tempfile.TemporaryFile

    def recording_temporary_file(*args: Any, **kwargs: Any) -> IO[bytes]:
        spools.append(real_temporary_file(*args, **kwargs))
        return spools[-1]

    monkeypatch.setattr(tempfile, "TemporaryFile", recording_temporary_file)
    response = owner.get("/exports/target/mutuals.xlsx")
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == (
        'attachment; filename="igdash_target_mutuals_20250601-0805.xlsx"'
    )
    assert [spool.closed for spool in spools] == [False]
    body = b"".join(response.streaming_content)  # the test client closes the response at the end
    assert int(response["Content-Length"]) == len(body)
    assert spools[0].closed  # an anonymous temporary file: gone once closed
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet.title == "mutuals"
    assert sheet["A1"].value == "username"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/exports/target/nope.csv", "Unknown list 'nope'. Choose one of: followers, following,"),
        ("/exports/target/followers.pdf", "Unknown format 'pdf'. Choose one of: csv, json, xlsx."),
        ("/exports/target/followers.csv?at=abc", "'abc' is not a scrape number."),
        ("/exports/target/followers.csv?at=99999", "Scrape #99999 is not a finished scrape of"),
    ],
)
def test_bad_requests_get_one_line_of_text(
    owner: Client, history: History, path: str, message: str
) -> None:
    response = owner.get(path)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert text.startswith(message)
    assert text.count("\n") == 1 and text.endswith("\n")


def test_unknown_handle_is_not_found(owner: Client) -> None:
    response = owner.get("/exports/@ghost/followers.csv")
    assert response.status_code == 404
    assert response.content.decode() == "No tracked account @ghost.\n"


def test_only_get_is_allowed(owner: Client, history: History) -> None:
    assert owner.post("/exports/target/followers.csv").status_code == 405


def test_open_in_excel_hands_excel_a_signed_url_that_works_without_login(
    owner: Client, history: History
) -> None:
    scrapes, saw = history
    response = owner.get("/exports/target/followers.excel", {"at": scrapes[0].pk})
    assert response.status_code == 302
    scheme, _, url = response["Location"].partition("|u|")
    assert scheme == "ms-excel:ofe"
    assert url.startswith("http://testserver/exports/signed/")
    path = url.removeprefix("http://testserver")
    excel = Client().get(path)  # no session, like Excel itself
    assert excel.status_code == 200
    assert excel["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(excel.streaming_content)), read_only=True)
    usernames = {row[0] for row in book.active.iter_rows(min_row=2, values_only=True)}
    assert usernames == saw[scrapes[0].pk][1]
    tampered = Client().get(path.replace(".xlsx", "x.xlsx"))
    assert tampered.status_code == 302  # without a valid signature the login is needed
    assert tampered["Location"].startswith("/login/")


def test_open_in_excel_link_expires_after_five_minutes(owner: Client, history: History) -> None:
    with time_machine.travel(NOW, tick=False) as clock:
        url = owner.get("/exports/target/followers.excel")["Location"].partition("|u|")[2]
        clock.shift(301)
        expired = Client().get(url.removeprefix("http://testserver"))
        assert expired.status_code == 302
        assert expired["Location"].startswith("/login/")


def test_a_signed_token_of_the_old_one_letter_shape_asks_for_the_login(
    history: History,
) -> None:
    """Tokens from before ExcelLink are refused like expired ones, never a 500."""
    from django.core import signing

    from exports.excel_link import SALT

    old = signing.dumps({"h": "target", "l": "followers", "a": "", "q": ""}, salt=SALT)
    response = Client().get(f"/exports/signed/{old}.xlsx")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_open_in_excel_refuses_a_bad_list_before_signing(owner: Client, history: History) -> None:
    response = owner.get("/exports/target/nonsense.excel")
    assert response.status_code == 400
