"""Every layout of Instagram's export imports with exact counts and usernames, and
every malformed file is refused with a message naming what was expected, with
nothing written."""

from __future__ import annotations

import json

import pytest

from accounts_app.models import IgUser, TrackedAccount
from scraping.imports import ImportFileError, import_export, read_export
from scraping.models import Direction, Relationship, Scrape, ScrapeSeen
from scraping.tests.import_builders import (
    LAYOUT_2023,
    LAYOUT_2024,
    entry,
    export_zip,
    list_html,
    list_json,
    other_files,
    source,
    zip_bytes,
)

pytestmark = pytest.mark.django_db

FOLLOWERS = [f"fan.{i:03d}" for i in range(250)]
FOLLOWING = [f"idol_{i:03d}" for i in range(90)]
PARTS = [FOLLOWERS[:100], FOLLOWERS[100:200], FOLLOWERS[200:]]


def active(direction: int) -> set[str]:
    return set(
        Relationship.objects.filter(
            target__user__username="me", direction=direction, ended_by__isnull=True
        ).values_list("user__username", flat=True)
    )


def assert_imported(scrape: Scrape, followers: list[str] | None, following: list[str] | None):
    assert scrape.status == Scrape.Status.SUCCEEDED, scrape.error_message
    assert (scrape.source, scrape.trigger) == (Scrape.Source.IMPORT, Scrape.Trigger.IMPORT)
    parts = {part.direction: part for part in scrape.parts.all()}
    for direction, names in ((Direction.FOLLOWER, followers), (Direction.FOLLOWING, following)):
        if names is None:
            assert direction not in parts
            continue
        part = parts[direction]
        assert (part.expected, part.fetched, part.complete) == (len(names), len(names), True)
        assert active(direction) == set(names)
    stats = scrape.stats
    assert stats.followers == (len(followers) if followers is not None else None)
    assert stats.following == (len(following) if following is not None else None)
    assert stats.new_followers == len(followers or [])
    assert stats.new_following == len(following or [])
    assert not ScrapeSeen.objects.exists()
    target = TrackedAccount.objects.get(user__username="me")
    assert target.last_scrape_id == scrape.pk
    if followers is not None:
        assert target.follower_count == len(followers)
    imported = IgUser.objects.exclude(username="me")
    assert imported.count() == len(set(followers or []) | set(following or []))
    assert not imported.filter(ig_pk__isnull=False).exists()


@pytest.mark.parametrize("prefix", [LAYOUT_2023, LAYOUT_2024], ids=["2023", "2024+"])
@pytest.mark.parametrize("following_name", ["following.json", "following_1.json"])
def test_zip_layouts_import_numbered_followers_and_following(
    prefix: str, following_name: str
) -> None:
    data = export_zip(PARTS, FOLLOWING, prefix=prefix, following_name=following_name)

    scrape = import_export("@me", [source("instagram-me-2025-06-13.zip", data)])

    assert_imported(scrape, FOLLOWERS, FOLLOWING)
    assert scrape.lists == Scrape.Lists.BOTH
    assert scrape.parts.get(direction=Direction.FOLLOWER).pages == 3


def test_html_export_imports_the_same_lists() -> None:
    data = export_zip(PARTS, FOLLOWING, fmt="html")

    scrape = import_export("me", [source("export.zip", data)])

    assert_imported(scrape, FOLLOWERS, FOLLOWING)


@pytest.mark.parametrize("name_in", ["value", "title", "href", "href_u"])
@pytest.mark.parametrize("wrapped", [False, True], ids=["bare", "wrapped"])
def test_json_names_from_value_title_or_href_bare_or_wrapped(name_in: str, wrapped: bool) -> None:
    followers = list_json(FOLLOWERS, "followers", wrapped=wrapped, name_in=name_in)  # type: ignore[arg-type]
    following = list_json(FOLLOWING, "following", wrapped=wrapped, name_in=name_in)  # type: ignore[arg-type]

    scrape = import_export(
        "me", [source("followers_1.json", followers), source("following.json", following)]
    )

    assert_imported(scrape, FOLLOWERS, FOLLOWING)


def test_single_followers_file_imports_followers_only() -> None:
    scrape = import_export("me", [source("followers_1.json", list_json(FOLLOWERS))])

    assert_imported(scrape, FOLLOWERS, None)
    assert scrape.lists == Scrape.Lists.FOLLOWERS
    assert scrape.stats.mutuals is None  # following never listed: no guess


def test_following_only_zip_imports_following_only() -> None:
    scrape = import_export("me", [source("e.zip", export_zip(None, FOLLOWING))])

    assert_imported(scrape, None, FOLLOWING)
    assert scrape.lists == Scrape.Lists.FOLLOWING


def test_split_export_over_two_zips_and_loose_numbered_files() -> None:
    first = zip_bytes({f"{LAYOUT_2024}followers_1.json": list_json(PARTS[0])})
    second = zip_bytes(
        {
            f"{LAYOUT_2024}followers_2.json": list_json(PARTS[1]),
            f"{LAYOUT_2024}following.json": list_json(FOLLOWING, "following", wrapped=True),
        }
    )
    loose = source("followers_3.json", list_json(PARTS[2]))

    scrape = import_export("me", [source("part1.zip", first), source("part2.zip", second), loose])

    assert_imported(scrape, FOLLOWERS, FOLLOWING)


def test_usernames_are_lowercased_and_an_empty_list_is_a_real_empty_list() -> None:
    followers = json.dumps([entry("Mixed.Case_Name"), entry("@at.sign")]).encode()

    scrape = import_export(
        "me", [source("followers_1.json", followers), source("following.json", b"[]")]
    )

    assert active(Direction.FOLLOWER) == {"mixed.case_name", "at.sign"}
    assert scrape.stats.following == 0


def test_nested_zips_and_other_export_files_are_ignored() -> None:
    inner = export_zip(PARTS, FOLLOWING)
    files = {
        **other_files(LAYOUT_2024),
        "inner.zip": inner,
        f"{LAYOUT_2024}nested.zip": inner,
        f"{LAYOUT_2024}following.json": list_json(FOLLOWING[:5], "following", wrapped=True),
    }

    scrape = import_export("me", [source("outer.zip", zip_bytes(files))])

    assert_imported(scrape, None, FOLLOWING[:5])


def test_lists_outside_the_followers_folder_are_not_read() -> None:
    files = {
        "your_instagram_activity/threads/followers.json": list_json(["threads.fan"]),
        f"{LAYOUT_2024}followers_1.json": list_json(FOLLOWERS),
    }

    scrape = import_export("me", [source("e.zip", zip_bytes(files))])

    assert_imported(scrape, FOLLOWERS, None)


def test_read_export_reports_the_files_it_read() -> None:
    export = read_export([source("e.zip", export_zip(PARTS, FOLLOWING, prefix=LAYOUT_2023))])

    assert export.followers == set(FOLLOWERS)
    assert export.following == set(FOLLOWING)
    assert export.files["followers"] == [
        f"{LAYOUT_2023}followers_{n}.json in e.zip" for n in (1, 2, 3)
    ]


def _counts() -> tuple[int, ...]:
    return (
        IgUser.objects.count(),
        TrackedAccount.objects.count(),
        Scrape.objects.count(),
        Relationship.objects.count(),
        ScrapeSeen.objects.count(),
    )


BAD = [
    ("photo.jpg", b"\xff\xd8\xff", "is not part of an Instagram export: expected the .zip"),
    ("export.zip", b"this is not a zip", "export.zip is not a zip archive"),
    (
        "empty.zip",
        zip_bytes(other_files(LAYOUT_2024)),
        "No followers or following list in empty.zip: expected followers_and_following/",
    ),
    ("followers_1.json", b"{not json", "followers_1.json is not valid JSON"),
    (
        "followers_1.json",
        b'{"relationships_close_friends": []}',
        'followers_1.json is JSON of another kind (keys "relationships_close_friends"); '
        'expected a list of accounts or {"relationships_followers": [...]}',
    ),
    (
        "followers_1.json",
        b'{"relationships_following": []}',
        'followers_1.json holds "relationships_following", not the followers list',
    ),
    ("followers_1.json", b'"just a string"', "followers_1.json is JSON of another kind"),
    ("followers_1.json", b"[1, 2]", "followers_1.json, account 1 is not an object"),
    (
        "followers_1.json",
        json.dumps([entry("ok"), {"title": "", "string_list_data": [{"timestamp": 1}]}]).encode(),
        "followers_1.json, account 2 has no username (expected string_list_data[].value, "
        "title or href)",
    ),
    (
        "followers_1.json",
        json.dumps([entry("not a name!")]).encode(),
        "followers_1.json, account 1: 'not a name!' is not an Instagram username",
    ),
    (
        "followers_1.json",
        json.dumps(
            [{"string_list_data": [{"href": "https://example.com/x", "timestamp": 1}]}]
        ).encode(),
        "'https://example.com/x' is not an Instagram profile link",
    ),
    ("followers_1.json", b"[" * 100_000, "followers_1.json is not valid JSON"),
    (
        "followers_1.html",
        b"<html><body><p>Nobody here</p></body></html>",
        "followers_1.html has no Instagram profile links; expected one <a href=",
    ),
]


@pytest.mark.parametrize(("name", "data", "message"), BAD, ids=[m[:30] for _, _, m in BAD])
def test_bad_file_is_refused_with_what_was_expected_and_nothing_written(
    name: str, data: bytes, message: str
) -> None:
    before = _counts()

    with pytest.raises(ImportFileError) as refused:
        import_export("me", [source(name, data)])

    assert message in str(refused.value)
    assert _counts() == before


def test_missing_numbered_part_is_refused() -> None:
    files = [source("followers_1.json", list_json(PARTS[0]))]
    files.append(source("followers_3.json", list_json(PARTS[2])))

    with pytest.raises(ImportFileError) as refused:
        import_export("me", files)

    assert "followers_2.json is missing (found followers_1.json, followers_3.json)" in str(
        refused.value
    )
    assert not Scrape.objects.exists()


def test_same_file_twice_is_refused() -> None:
    data = export_zip(PARTS, FOLLOWING)

    with pytest.raises(ImportFileError) as refused:
        import_export("me", [source("a.zip", data), source("following.json", b"[]")])

    assert "following.json was given twice" in str(refused.value)
    assert not Scrape.objects.exists()


def test_one_bad_file_among_good_ones_writes_nothing() -> None:
    before = _counts()
    good = export_zip(PARTS, None)

    with pytest.raises(ImportFileError, match=r"following\.json is not valid JSON"):
        import_export("me", [source("e.zip", good), source("following.json", b"[{")])

    assert _counts() == before


def test_no_file_at_all_is_refused() -> None:
    with pytest.raises(ImportFileError, match="Choose the export to import"):
        import_export("me", [])


def test_html_links_other_than_profiles_are_ignored() -> None:
    page = list_html(["real.one"]).replace(
        b"</body>",
        b'<a href="https://www.instagram.com/p/Cxyz/">a post</a>'
        b'<a href="https://www.instagram.com/explore/">explore</a>'
        b'<a href="https://example.com/somebody">elsewhere</a></body>',
    )

    scrape = import_export("me", [source("followers_1.html", page)])

    assert active(Direction.FOLLOWER) == {"real.one"}
    assert scrape.stats.followers == 1
