"""`igdash export @handle --list commenters|comments`: the columns the issue
names, unknown follows left empty, formula text neutralised in CSV only."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts_app.models import IgUser
from audience.models import Comment
from audience.tests.builders import audience_account
from scraping.models import ScrapeList

pytestmark = pytest.mark.django_db


def test_commenters_csv_has_the_named_columns_and_figures(tmp_path: Path) -> None:
    audience_account(commenters=20)
    out = tmp_path / "c.csv"
    call_command("export", "@creator", "--list", "commenters", "--format", "csv", "-o", str(out))

    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig"))))
    assert list(rows[0]) == [
        "username", "ig_pk", "full_name", "comments", "posts_commented",
        "first_comment_at", "last_comment_at", "follows", "following_since", "loyal",
    ]  # fmt: skip
    assert len(rows) == 20
    by_name = {row["username"]: row for row in rows}
    assert by_name["fan_004"]["comments"] == "5"
    assert by_name["fan_004"]["follows"] == "true"
    assert by_name["fan_001"]["follows"] == "false"
    assert by_name["fan_004"]["loyal"] == "true"
    assert by_name["fan_001"]["loyal"] == "false"


def test_commenters_follows_is_unknown_without_a_complete_follower_list(tmp_path: Path) -> None:
    """Empty follows and since (CSV) / null (JSON), never "false", when no
    follower list was complete; loyal is still known. A full name that starts
    a formula is neutralised in CSV only."""
    audience_account(commenters=6)
    ScrapeList.objects.update(complete=False)
    fan = IgUser.objects.get(username="fan_001")
    IgUser.objects.filter(pk=fan.pk).update(full_name="-1+2")
    csv_out, json_out = tmp_path / "c.csv", tmp_path / "c.json"
    call_command("export", "creator", "--list", "commenters", "--format", "csv", "-o", str(csv_out))
    call_command(
        "export", "creator", "--list", "commenters", "--format", "json", "-o", str(json_out)
    )

    rows = list(csv.DictReader(io.StringIO(csv_out.read_text("utf-8-sig"))))
    assert len(rows) == 6
    assert {(row["follows"], row["following_since"]) for row in rows} == {("", "")}
    assert {row["loyal"] for row in rows} <= {"true", "false"}
    assert next(row for row in rows if row["username"] == "fan_001")["full_name"] == "'-1+2"
    data = json.loads(json_out.read_text("utf-8"))
    assert {(row["follows"], row["following_since"]) for row in data} == {(None, None)}
    assert all(isinstance(row["loyal"], bool) for row in data)
    assert next(row for row in data if row["username"] == "fan_001")["full_name"] == "-1+2"


def test_comments_text_is_neutralised_in_csv_only(tmp_path: Path) -> None:
    audience_account(commenters=3)
    Comment.objects.filter(pk=Comment.objects.order_by("pk").first().pk).update(  # type: ignore[union-attr]
        text='=HYPERLINK("http://x")'
    )
    csv_out, json_out = tmp_path / "c.csv", tmp_path / "c.json"
    call_command("export", "creator", "--list", "comments", "--format", "csv", "-o", str(csv_out))
    call_command("export", "creator", "--list", "comments", "--format", "json", "-o", str(json_out))

    texts = [row["text"] for row in csv.DictReader(io.StringIO(csv_out.read_text("utf-8-sig")))]
    assert '\'=HYPERLINK("http://x")' in texts
    data = json.loads(json_out.read_text("utf-8"))
    assert len(data) == Comment.objects.count()
    first = Comment.objects.order_by("created_at", "id").first()
    assert first is not None
    assert data[0]["created_at"] == first.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert data[0]["comment_pk"] == first.ig_pk and data[0]["removed"] is False
    assert '=HYPERLINK("http://x")' in [row["text"] for row in data]


def test_xlsx_and_bad_options(tmp_path: Path) -> None:
    audience_account(commenters=5)
    out = tmp_path / "c.xlsx"
    call_command("export", "creator", "--list", "commenters", "--format", "xlsx", "-o", str(out))
    assert out.stat().st_size > 0
    with pytest.raises(CommandError, match="not comments"):
        call_command("export", "creator", "--list", "comments", "--at", "1", "-o", str(out))
