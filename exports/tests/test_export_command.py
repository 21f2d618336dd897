from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
import time_machine
from django.core.management import CommandError, call_command

from exports.tests.history import churn_history, make_target

pytestmark = pytest.mark.django_db


def test_writes_the_list_as_of_a_scrape_to_the_named_file(tmp_path: Path) -> None:
    scrapes, saw = churn_history(make_target())
    out = tmp_path / "followers.json"
    call_command(
        "export",
        "@target",
        "--list",
        "followers",
        "--format",
        "json",
        "--at",
        str(scrapes[0].pk),
        "-o",
        str(out),
    )
    assert {r["username"] for r in json.loads(out.read_text("utf-8"))} == saw[scrapes[0].pk][1]
    assert not list(tmp_path.glob("*.part"))


@time_machine.travel(dt.datetime(2025, 1, 2, 3, 4, tzinfo=dt.UTC), tick=False)
def test_default_file_name_is_the_download_name_in_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    churn_history(make_target())
    monkeypatch.chdir(tmp_path)
    call_command("export", "target", "--list", "not_following_back", "--format", "xlsx")
    written = tmp_path / "igdash_target_not_following_back_20250102-0304.xlsx"
    assert openpyxl.load_workbook(written).active["A1"].value == "username"


def test_standard_output_gets_the_bytes(capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    churn_history(make_target())
    call_command("export", "target", "--list", "mutuals", "-o", "-")
    assert capfdbinary.readouterr().out.startswith(b"\xef\xbb\xbfusername,full_name,")


def test_unknown_handle_and_bad_scrape_fail_with_a_message() -> None:
    make_target()
    with pytest.raises(CommandError, match="No tracked account @ghost"):
        call_command("export", "@ghost")
    with pytest.raises(CommandError, match="Scrape #42 is not a finished scrape of @target"):
        call_command("export", "target", "--at", "42")
