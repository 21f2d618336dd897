"""Round trips: every format read back equals the database rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import openpyxl
import pytest
from django.test import override_settings
from django.utils import timezone

from exports import files, xlsx
from exports.lists import AccountList, get_list
from exports.tests.history import (
    AWKWARD_NAMES,
    FORMULA_LIKE,
    finished_scrape,
    make_target,
    make_users,
)
from scraping.models import Direction, Relationship

pytestmark = pytest.mark.django_db

ZONE = "America/New_York"
Expected = list[tuple[str, str, int | None, bool, bool, str, dt.datetime]]
Followers = tuple[AccountList, Expected]


@pytest.fixture
def followers() -> Followers:
    """A list of awkward users, and the rows the database holds for it, built
    from the model objects rather than from the export code."""
    target = make_target()
    scrape = finished_scrape(
        target, finished_at=dt.datetime(2025, 3, 9, 6, 30, 15, 123456, tzinfo=dt.UTC)
    )
    users = make_users(AWKWARD_NAMES)
    # Usernames that look like formulas too (an import can bring anything).
    users += [
        make_users([name], prefix=prefix)[0] for prefix, name in [("=2+2", "x"), ("@cmd", "y")]
    ]
    for user in users:
        Relationship.objects.create(
            target=target, user=user, direction=Direction.FOLLOWER, first_seen=scrape
        )
    seen_at = scrape.finished_at
    assert seen_at is not None
    expected: Expected = [
        (
            u.username,
            u.full_name,
            u.ig_pk,
            u.is_verified,
            u.is_private,
            f"https://www.instagram.com/{u.username}/",
            seen_at,
        )
        for u in sorted(users, key=lambda u: (u.username, u.pk))
    ]
    return get_list(target, "followers"), expected


def neutralised(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_LIKE) else value


def local_seconds(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value).replace(microsecond=0)


@override_settings(TIME_ZONE=ZONE)
def test_csv_round_trip_neutralises_formulas_and_keeps_everything_else(
    followers: Followers,
) -> None:
    account_list, expected = followers
    out = io.BytesIO()
    assert files.write(account_list, files.Format.CSV, out) == len(expected)
    raw = out.getvalue()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0] == account_list.column_names
    assert rows[1:] == [
        [
            neutralised(username),
            neutralised(full_name),
            "" if ig_pk is None else str(ig_pk),
            "true" if verified else "false",
            "true" if private else "false",
            url,
            local_seconds(seen).isoformat(),
        ]
        for username, full_name, ig_pk, verified, private, url, seen in expected
    ]
    assert "-05:00" in rows[1][6] or "-04:00" in rows[1][6]  # local time, with its offset
    assert any(row[1] == "'=1+1" for row in rows)


@override_settings(TIME_ZONE=ZONE)
def test_json_round_trip_keeps_true_values(followers: Followers) -> None:
    account_list, expected = followers
    out = io.BytesIO()
    files.write(account_list, files.Format.JSON, out)
    records = json.loads(out.getvalue().decode("utf-8"))
    assert [list(record) for record in records] == [account_list.column_names] * len(expected)
    assert [
        (
            r["username"],
            r["full_name"],
            r["ig_pk"],
            r["is_verified"],
            r["is_private"],
            r["profile_url"],
            dt.datetime.fromisoformat(r["first_seen_at"]),
        )
        for r in records
    ] == [(*row[:6], local_seconds(row[6])) for row in expected]
    assert any(r["full_name"] == "=1+1" for r in records)
    assert "😀" in out.getvalue().decode("utf-8")  # not \\u-escaped


@override_settings(TIME_ZONE=ZONE)
def test_xlsx_round_trip_with_real_types_links_and_exact_text(
    followers: Followers, tmp_path: Path
) -> None:
    account_list, expected = followers
    path = tmp_path / "out.xlsx"
    with path.open("wb") as out:
        files.write(account_list, files.Format.XLSX, out)
    sheet = openpyxl.load_workbook(path).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert list(header) == account_list.column_names
    assert [list(row) for row in rows] == [
        [
            username,
            # XML has no CR in text; an empty text is an empty cell.
            full_name.replace("\r", "\n") or None,
            ig_pk,
            verified,
            private,
            f'=HYPERLINK("{url}")',
            local_seconds(seen).replace(tzinfo=None),
        ]
        for username, full_name, ig_pk, verified, private, url, seen in expected
    ]
    assert sheet.title == "followers"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:G{len(expected) + 1}"
    assert all(cell.font.b for cell in sheet[1])
    assert sheet["D2"].data_type == "b"
    assert sheet["G2"].is_date
    assert sheet["F2"].font.u == "single"
    # One cell object serves many rows (exports/xlsx.py): every row has its style.
    data = list(sheet.iter_rows(min_row=2))
    assert all(row[5].font.u == "single" and row[6].is_date for row in data)
    assert all(not row[0].font.u and not row[0].is_date for row in data)


def test_xlsx_splits_long_lists_over_sheets_each_with_a_header(
    followers: Followers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    account_list, expected = followers
    monkeypatch.setattr(xlsx, "MAX_DATA_ROWS", 6)
    path = tmp_path / "split.xlsx"
    with path.open("wb") as out:
        files.write(account_list, files.Format.XLSX, out)
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["followers", "followers (2)", "followers (3)"]
    usernames = []
    for sheet in workbook:
        header, *rows = list(sheet.iter_rows(values_only=True))
        assert header[0] == "username"
        assert len(rows) <= 6
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == f"A1:G{len(rows) + 1}"
        usernames += [row[0] for row in rows]
    assert usernames == [row[0] for row in expected]


def test_xlsx_two_time_columns_empty_times_and_styles_on_every_sheet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each sheet's link cell and time cells serve many rows (exports/xlsx.py).
    monkeypatch.setattr(xlsx, "MAX_DATA_ROWS", 3)
    columns = [
        ("username", "text"),
        ("profile_url", "url"),
        ("first_seen_at", "datetime"),
        ("ended_at", "datetime"),
    ]
    first = dt.datetime(2026, 3, 1, 8, 30, 15, 999, tzinfo=dt.UTC)
    second = dt.datetime(2026, 11, 20, 23, 0, 0, tzinfo=dt.UTC)
    rows = [
        (f"user{i}", f"https://www.instagram.com/user{i}/" if i != 4 else None, first, end)
        for i, end in enumerate([None, second, first, None, second, None, second])
    ]
    path = tmp_path / "ended.xlsx"
    assert xlsx.write_xlsx(columns, rows, path, title="lost") == len(rows)
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["lost", "lost (2)", "lost (3)"]
    written = []
    for sheet in workbook:
        for row in sheet.iter_rows(min_row=2):
            name, link, seen, ended = row
            written.append((name.value, link.value, seen.value, ended.value))
            assert seen.is_date
            assert ended.value is None or ended.is_date
            assert link.value is None or link.font.u == "single"
            assert not name.font.u
    assert written == [
        (
            name,
            None if url is None else f'=HYPERLINK("{url}")',
            local_seconds(seen).replace(tzinfo=None),
            None if end is None else local_seconds(end).replace(tzinfo=None),
        )
        for name, url, seen, end in rows
    ]


def test_empty_list_gives_a_header_only_file_in_every_format(tmp_path: Path) -> None:
    account_list = get_list(make_target(), "followers")
    csv_out, json_out = io.BytesIO(), io.BytesIO()
    files.write(account_list, files.Format.CSV, csv_out)
    files.write(account_list, files.Format.JSON, json_out)
    assert csv_out.getvalue().decode("utf-8-sig").splitlines()[0].startswith("username,")
    assert json.loads(json_out.getvalue()) == []
    path = tmp_path / "empty.xlsx"
    with path.open("wb") as out:
        files.write(account_list, files.Format.XLSX, out)
    assert list(openpyxl.load_workbook(path).active.values) == [tuple(account_list.column_names)]


def test_xlsx_drops_control_characters_excel_cannot_store(tmp_path: Path) -> None:
    target = make_target()
    scrape = finished_scrape(target)
    user = make_users(["bell\x07 and nul\x00 name"])[0]
    Relationship.objects.create(
        target=target, user=user, direction=Direction.FOLLOWER, first_seen=scrape
    )
    path = tmp_path / "control.xlsx"
    with path.open("wb") as out:
        files.write(get_list(target, "followers"), files.Format.XLSX, out)
    assert openpyxl.load_workbook(path).active["B2"].value == "bell and nul name"


FORMULA_NAMES = [
    "-minus",
    '=HYPERLINK("https://evil.example/")',
    "=1+1",
    "+1",
    "@a",
    "=",
    "#N/A",
    "#DIV/0!",
    "\t=tab",
    "'quoted",
]


def test_xlsx_text_cells_hold_the_exact_text_never_a_formula(tmp_path: Path) -> None:
    # A typed text cell cannot run in Excel: the quote neutralising is CSV's alone.
    target = make_target()
    scrape = finished_scrape(target)
    users = make_users(FORMULA_NAMES)
    users += [make_users(["x"], prefix=prefix)[0] for prefix in ("=2+2", "-dash", "@at")]
    for user in users:
        Relationship.objects.create(
            target=target, user=user, direction=Direction.FOLLOWER, first_seen=scrape
        )
    path = tmp_path / "exact.xlsx"
    with path.open("wb") as out:
        files.write(get_list(target, "followers"), files.Format.XLSX, out)
    sheet = openpyxl.load_workbook(path).active
    cells = {row[0].value: (row[0], row[1]) for row in sheet.iter_rows(min_row=2)}
    assert sorted(cells) == sorted(u.username for u in users)
    by_name = {u.username: u for u in users}
    for username, (name_cell, full_name_cell) in cells.items():
        assert name_cell.data_type == "s", username
        assert full_name_cell.value == by_name[username].full_name
        assert full_name_cell.data_type == "s", full_name_cell.value
    # The link column stays a real formula.
    assert sheet["F2"].data_type == "f"
    # CSV still neutralises the same names.
    out = io.BytesIO()
    files.write(get_list(target, "followers"), files.Format.CSV, out)
    rows = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"), newline="")))
    assert {row[1] for row in rows[1:]} >= {"'-minus", "'+1", "'@a", "'=1+1"}
