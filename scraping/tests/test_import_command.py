"""`manage.py import_instagram_export FILE... --account @handle`: the summary on
success; exit 1 with one line on stderr and nothing written otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import execute_from_command_line
from django.db import connections

from accounts_app.models import IgUser
from scraping import services
from scraping.models import Direction, Relationship, Scrape
from scraping.tests.import_builders import (
    LAYOUT_2023,
    RawMember,
    export_zip,
    list_json,
    raw_zip,
    zeros_deflated,
    zip_bytes,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keep_connections")]


@pytest.fixture
def keep_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    """manage.py closes every connection when a command ends, which would end the
    test's transaction on PostgreSQL."""
    monkeypatch.setattr(connections, "close_all", lambda: None)


def manage(*args: str | Path) -> int:
    """Run the command as manage.py does; its exit status."""
    try:
        execute_from_command_line(["manage.py", "import_instagram_export", *map(str, args)])
    except SystemExit as exit:
        return int(exit.code or 0)
    return 0


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def rows() -> tuple[int, int, int]:
    return IgUser.objects.count(), Scrape.objects.count(), Relationship.objects.count()


def test_zip_import_prints_its_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export = write(
        tmp_path,
        "e.zip",
        export_zip([["a.one", "b.two"], ["c.three"]], ["d.four"], prefix=LAYOUT_2023),
    )

    status = manage(export, "--account", "@me")

    out, err = capsys.readouterr()
    scrape = Scrape.objects.get()
    assert (status, err) == (0, "")
    assert out == (
        f"Imported the data export of @me as scrape #{scrape.pk}: "
        "3 followers (+3 new, \u22120 lost); 1 following (+1 new, \u22120 lost).\n"
    )
    assert scrape.trigger == Scrape.Trigger.IMPORT


def test_loose_files_and_a_profile_url_as_account(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    followers = write(tmp_path, "followers_1.json", list_json(["a.one"]))
    following = write(tmp_path, "following_1.json", list_json(["b.two"], "following", wrapped=True))

    status = manage(followers, following, "--account", "https://www.instagram.com/Me/")

    assert status == 0
    assert set(
        Relationship.objects.filter(target__user__username="me").values_list(
            "user__username", "direction"
        )
    ) == {("a.one", Direction.FOLLOWER), ("b.two", Direction.FOLLOWING)}


def _bomb() -> bytes:
    payload, crc = zeros_deflated(1 << 30)
    return raw_zip([RawMember("followers_and_following/followers_1.json", payload, crc, 1 << 30)])


@pytest.mark.parametrize(
    ("files", "account", "message"),
    [
        ([("e.zip", b"nope")], "me", "e.zip is not a zip archive"),
        ([("e.zip", zip_bytes({"../../followers_1.json": b"[]"}))], "me", "unsafe file name"),
        ([("bomb.zip", None)], "me", "is 1,024 MB uncompressed; at most 200 MB per file"),
        ([("followers_1.json", b"{}")], "me", "followers_1.json is JSON of another kind"),
        ([("followers_1.json", b"[]")], "not a handle!", "is not a valid Instagram username"),
    ],
)
def test_refusals_exit_1_with_one_line_on_stderr(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    files: list[tuple[str, bytes | None]],
    account: str,
    message: str,
) -> None:
    paths = [write(tmp_path, name, _bomb() if data is None else data) for name, data in files]
    before = rows()

    status = manage(*paths, "--account", account)

    out, err = capsys.readouterr()
    assert status == 1
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("CommandError: ")
    assert message in err
    assert rows() == before


def test_missing_file_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = manage(tmp_path / "nowhere.zip", "--account", "me")

    assert status == 1
    assert f"Cannot read {tmp_path / 'nowhere.zip'}: No such file or directory." in (
        capsys.readouterr().err
    )


def test_active_scrape_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    queued = services.create_scrape("me")
    export = write(tmp_path, "followers_1.json", list_json(["a.one"]))

    status = manage(export, "--account", "me")

    assert status == 1
    assert f"@me already has scrape #{queued.pk} (queued)" in capsys.readouterr().err
    assert Scrape.objects.get() == queued
