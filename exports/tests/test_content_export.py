"""Exports of posts and hashtags: content scrapes through the real engine over real
HTTP against the simulator, then the `export` command and the download view. The
rows are checked against the simulator's own truth, computed here on their own
(rates, tiers, tags), not by calling the code under test."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import statistics
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from accounts_app.models import LoginCredential
from content import services as content_services
from content.models import Post
from scraping import services
from scraping.models import RateLimitWindow, Scrape
from scraping.tests.sim_control import Sim

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_limits")]

HANDLE = "demo_small"


def content_scrape(handle: str = HANDLE) -> Scrape:
    # fresh: a simulated day passes between scrapes, not a real one (answers are
    # cached a day: scraping/services/answer_cache.py).
    scrape = content_services.create_scrape(handle, source="private", fresh=True)
    for _ in range(20):
        services.run_scrape(scrape.pk)
        scrape.refresh_from_db()
        if scrape.status not in (Scrape.Status.QUEUED, Scrape.Status.WAITING_RATE_LIMIT):
            assert scrape.status == Scrape.Status.SUCCEEDED, scrape.error_message
            return scrape
        RateLimitWindow.objects.update(blocked_until=None)
        Scrape.objects.filter(pk=scrape.pk).update(resume_at=timezone.now())
    raise AssertionError(f"scrape #{scrape.pk} never ended")


def tags(caption: str, sign: str) -> list[str]:
    pattern = r"#(\w+)" if sign == "#" else r"(?<![\w@.])@([A-Za-z0-9_.]+)"
    found = [tag.rstrip(".").lower() for tag in re.findall(pattern, caption)]
    return list(dict.fromkeys(found))


def expected_posts(truth: list[dict[str, Any]], followers: int) -> list[dict[str, Any]]:
    """The JSON rows the posts export must hold, from the simulator's truth."""
    rates = {}
    for post in truth:
        known = post["likes"] is not None and post["comments"] is not None
        rates[post["pk"]] = (post["likes"] + post["comments"]) / followers * 100 if known else None
    newest = max(p["taken_at"] for p in truth if rates[p["pk"]] is not None)
    window = [
        rates[p["pk"]]
        for p in truth
        if rates[p["pk"]] is not None and p["taken_at"] > newest - 90 * 86400
    ]
    median = statistics.median(window)

    def tier(rate: float | None) -> str | None:
        if rate is None:
            return None
        if rate >= 2 * median:
            return "top"
        if rate >= median:
            return "above"
        return "below" if rate >= 0.5 * median else "low"

    rows = []
    for post in sorted(truth, key=lambda p: (p["taken_at"], p["pk"]), reverse=True):
        rate = rates[post["pk"]]
        kind = "reel" if post["product_type"] == "clips" else "p"
        rows.append(
            {
                "pk": post["pk"],
                "shortcode": post["shortcode"],
                "url": f"https://www.instagram.com/{kind}/{post['shortcode']}/",
                "product_type": post["product_type"],
                "taken_at": dt.datetime.fromtimestamp(post["taken_at"], dt.UTC).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"
                ),
                "caption": post["caption"],
                "hashtags": tags(post["caption"], "#"),
                "mentions": tags(post["caption"], "@"),
                "duration_seconds": post["duration"],
                "likes": post["likes"],
                "comments": post["comments"],
                "plays": post["plays"],
                "views": post["views"],
                "engagement_rate": None if rate is None else round(rate, 4),
                "tier": tier(rate),
            }
        )
    return rows


def export(tmp_path: Path, *args: str, name: str = "out") -> Path:
    out = tmp_path / name
    call_command("export", f"@{HANDLE}", *args, "-o", str(out), stdout=io.StringIO())
    return out


def read_json(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text("utf-8"))


def test_posts_json_are_exactly_the_simulators_posts_with_unknowns_null(
    sim: Sim, owner: LoginCredential, tmp_path: Path
) -> None:
    done = content_scrape()
    assert done.profile_follower_count  # the denominator of every rate

    rows = read_json(export(tmp_path, "--list", "posts", "--format", "json"))

    truth = sim.content(HANDLE)
    assert rows == expected_posts(truth, done.profile_follower_count)
    # Hidden likes (both kinds) are null, never 0 or 3, and so is their rate.
    hidden = [row for row in rows if row["likes"] is None]
    assert len(hidden) >= 2
    assert all(row["engagement_rate"] is None and row["tier"] is None for row in hidden)
    # A photo has no duration and no plays: null, not 0.
    photo = next(row for row in rows if row["duration_seconds"] is None)
    assert photo["plays"] is None
    assert any(row["hashtags"] for row in rows) and any(row["mentions"] for row in rows)
    assert {row["tier"] for row in rows} >= {"top", "above", "below"}


def test_posts_csv_leave_unknowns_empty_and_join_the_tags(
    sim: Sim, owner: LoginCredential, tmp_path: Path
) -> None:
    done = content_scrape()

    out = export(tmp_path, "--list", "posts", "--format", "csv")
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))

    wanted = expected_posts(sim.content(HANDLE), done.profile_follower_count or 0)
    assert [row["pk"] for row in rows] == [str(row["pk"]) for row in wanted]
    for got, want in zip(rows, wanted, strict=True):
        for name, value in want.items():
            if value is None:
                assert got[name] == "", (name, got)  # empty, never 0
            elif isinstance(value, list):
                assert got[name] == " ".join(value)
            else:
                assert got[name] == str(value), name
    assert any(row["likes"] == "" for row in rows)


# Captions the simulator never writes: every formula start the CSV must
# neutralise, and the quoting csv does (quote, comma, line breaks).
HOSTILE = (
    '=HYPERLINK("http://evil.example","x")',
    "+1+1",
    "-2",
    "@SUM(A1:A9)",
    "\tindented",
    "\rcarriage",
    'a "quote", a comma\nand a new line',
    "plain words, no formula = here",
)


def test_posts_csv_now_is_byte_identical_to_the_general_path_with_hostile_captions(
    sim: Sim, owner: LoginCredential, tmp_path: Path
) -> None:
    """The export of now reads the stored figures, captions and tags in one
    statement and slices the stored date text (exports/posts.py
    live_post_rows); --at the same scrape goes through post_rates, the
    captions' iterator and the tags read apart. Both files must be equal."""
    done = content_scrape()
    live = Post.objects.filter(removed_by__isnull=True).order_by("-taken_at", "-id")
    posts = list(live[: len(HOSTILE)])
    for post, caption in zip(posts, HOSTILE, strict=True):
        Post.objects.filter(pk=post.pk).update(caption=caption)
    Post.objects.filter(pk=posts[0].pk).update(shortcode="-Bdash_first")  # base64url: may start "-"

    now = export(tmp_path, "--list", "posts", "--format", "csv", name="now.csv")
    at = export(tmp_path, "--list", "posts", "--format", "csv", "--at", str(done.pk), name="at.csv")

    assert now.read_bytes() == at.read_bytes()
    with now.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    captions = [row["caption"] for row in rows[: len(HOSTILE)]]
    assert captions == ["'" + text for text in HOSTILE[:6]] + list(HOSTILE[6:])
    assert rows[0]["shortcode"] == "'-Bdash_first"
    kind = "reel" if rows[0]["product_type"] == "clips" else "p"
    assert rows[0]["url"] == f"https://www.instagram.com/{kind}/-Bdash_first/"
    hidden = [row for row in rows if row["likes"] == ""]  # unknown: empty, never 0
    assert hidden and all(row["engagement_rate"] == row["tier"] == "" for row in hidden)
    assert any(row["hashtags"] for row in rows) and any(row["mentions"] for row in rows)


def test_at_gives_the_metrics_that_scrape_saw(
    sim: Sim, owner: LoginCredential, tmp_path: Path
) -> None:
    first = content_scrape()
    day0 = sim.content(HANDLE)
    sim.advance(1)
    second = content_scrape()
    day1 = sim.content(HANDLE)
    gone = {p["pk"] for p in day0} - {p["pk"] for p in day1}
    assert gone  # the simulator removes a post on day 1
    # Young posts still climb: some counts changed between the two scrapes.
    changed = {p["pk"]: p["likes"] for p in day1} != {
        p["pk"]: p["likes"] for p in day0 if p["pk"] not in gone
    }
    assert changed

    then = read_json(
        export(tmp_path, "--list", "posts", "--format", "json", "--at", str(first.pk), name="a")
    )
    now = read_json(export(tmp_path, "--list", "posts", "--format", "json", name="b"))

    counts = ("likes", "comments", "plays", "views")

    def pick(rows: list[dict[str, Any]]) -> dict[int, tuple[Any, ...]]:
        return {int(row["pk"]): tuple(row[c] for c in counts) for row in rows}

    assert pick(then) == pick(day0)
    assert pick(now) == pick(day1)
    assert gone <= set(pick(then)) and not gone & set(pick(now))
    # --at of the second scrape is today's view.
    at_second = read_json(
        export(tmp_path, "--list", "posts", "--format", "json", "--at", str(second.pk), name="c")
    )
    assert pick(at_second) == pick(day1)


def test_xlsx_has_profile_posts_and_hashtags_sheets(
    sim: Sim, owner: LoginCredential, tmp_path: Path
) -> None:
    done = content_scrape()
    out = export(tmp_path, "--list", "posts", "--format", "xlsx", name="posts.xlsx")
    table = read_json(export(tmp_path, "--list", "hashtags", "--format", "json", name="h.json"))

    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Profile", "Posts", "Hashtags"]
    profile = {row[0]: row[1] for row in book["Profile"].iter_rows(min_row=2, values_only=True)}
    assert profile["username"] == HANDLE
    assert profile["followers"] == done.profile_follower_count
    posts = list(book["Posts"].iter_rows(values_only=True))
    wanted = expected_posts(sim.content(HANDLE), done.profile_follower_count or 0)
    assert list(posts[0]) == list(wanted[0])
    assert len(posts) == len(wanted) + 1
    for got, want in zip(posts[1:], wanted, strict=True):
        row = dict(zip(posts[0], got, strict=True))
        # A media pk has 19 digits: text, since Excel would round it to 15.
        assert row["pk"] == str(want["pk"]) and row["likes"] == want["likes"]
        assert row["taken_at"] == dt.datetime.strptime(want["taken_at"], "%Y-%m-%dT%H:%M:%SZ")
        assert row["engagement_rate"] == want["engagement_rate"]
        assert row["caption"] == (want["caption"] or None)  # an empty cell reads as None
    hashtags = [
        dict(zip(HASHTAG_HEADER, row, strict=True))
        for row in book["Hashtags"].iter_rows(min_row=2, values_only=True)
    ]
    assert hashtags == table


HASHTAG_HEADER = ("hashtag", "posts", "median_engagement_rate", "median_plays", "rank")


def test_hashtag_table_counts_the_simulators_tags(
    sim: Sim, owner: LoginCredential, tmp_path: Path
) -> None:
    done = content_scrape()
    table = read_json(export(tmp_path, "--list", "hashtags", "--format", "json"))

    posts = expected_posts(sim.content(HANDLE), done.profile_follower_count or 0)
    tagged: dict[str, list[dict[str, Any]]] = {}
    for post in posts:
        for tag in post["hashtags"]:
            tagged.setdefault(tag, []).append(post)

    def median(values: list[Any]) -> float | None:
        known = [value for value in values if value is not None]
        return float(statistics.median(known)) if known else None

    assert {row["hashtag"]: row["posts"] for row in table} == {
        tag: len(group) for tag, group in tagged.items()
    }
    for row in table:
        group = tagged[row["hashtag"]]
        assert row["median_plays"] == median([p["plays"] for p in group])
        rate = median([p["engagement_rate"] for p in group])
        assert row["median_engagement_rate"] == pytest.approx(rate, abs=1e-4)
    ranked = [row for row in table if row["rank"] is not None]
    assert [row["rank"] for row in ranked] == list(range(1, len(ranked) + 1))
    assert all(row["posts"] >= 3 for row in ranked)
    rates = [row["median_engagement_rate"] for row in ranked]
    assert rates == sorted(rates, reverse=True)


@time_machine.travel(dt.datetime(2026, 3, 4, 5, 6, tzinfo=dt.UTC), tick=False)
def test_default_file_name_carries_the_handle_and_the_time(
    sim: Sim, owner: LoginCredential, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content_scrape()
    monkeypatch.chdir(tmp_path)
    call_command("export", HANDLE, "--list", "hashtags", stdout=io.StringIO())
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    assert (tmp_path / f"igdash_{HANDLE}_hashtags_{stamp}.csv").exists()


def test_bad_input_fails_with_one_message(sim: Sim, owner: LoginCredential) -> None:
    content_scrape()
    followers_only = services.create_scrape(HANDLE, lists=Scrape.Lists.FOLLOWERS)
    followers_only.refresh_from_db()
    with pytest.raises(CommandError, match="--search filters follower lists"):
        call_command("export", HANDLE, "--list", "posts", "--search", "x")
    with pytest.raises(CommandError, match=r"is not a finished content scrape of @demo_small"):
        call_command("export", HANDLE, "--list", "posts", "--at", str(followers_only.pk))
    with pytest.raises(CommandError, match="'soon' is not a scrape number"):
        call_command("export", HANDLE, "--list", "posts", "--at", "soon")
    with pytest.raises(CommandError, match="No tracked account @ghost"):
        call_command("export", "@ghost", "--list", "posts")


@pytest.fixture
def browser(client: Client) -> Client:
    client.force_login(User.objects.create_superuser("owner", "", "pw-123456789"))
    return client


def test_download_view_serves_posts_and_refuses_hostile_params(
    sim: Sim, owner: LoginCredential, browser: Client, tmp_path: Path
) -> None:
    done = content_scrape()

    response = browser.get(f"/exports/{HANDLE}/posts.json?at={done.pk}")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="igdash_{HANDLE}_posts_'
    )
    body = json.loads(b"".join(response.streaming_content))  # type: ignore[arg-type]
    assert body == expected_posts(sim.content(HANDLE), done.profile_follower_count or 0)

    csv_response = browser.get(f"/exports/@{HANDLE.upper()}/hashtags.csv")
    assert csv_response.status_code == 200 and csv_response.streaming  # flat memory
    assert b"".join(csv_response.streaming_content).startswith(  # type: ignore[arg-type]
        b"\xef\xbb\xbfhashtag,posts,median_engagement_rate,median_plays,rank\r\n"
    )

    xlsx = browser.get(f"/exports/{HANDLE}/posts.xlsx")
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))  # type: ignore[arg-type]
    assert book.sheetnames == ["Profile", "Posts", "Hashtags"]

    for query, status in [
        ("posts.csv?at=1%27%20OR%201=1", 400),
        ("posts.csv?at=99999999", 400),
        ("posts.csv?at=-3", 400),
        (f"posts.csv?at={'9' * 400}", 400),
        ("posts.exe", 400),
        ("posts.excel", 400),
        ("hashtags.csv?at=%00", 400),
    ]:
        refused = browser.get(f"/exports/{HANDLE}/{query}")
        assert refused.status_code == status, query
        assert refused["Content-Type"].startswith("text/plain")
    assert browser.get("/exports/ghost/posts.csv").status_code == 404

    anonymous = Client().get(f"/exports/{HANDLE}/posts.csv")
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


def test_account_page_links_the_content_exports(
    sim: Sim, owner: LoginCredential, browser: Client
) -> None:
    content_scrape()
    assert Post.objects.exists()
    page = browser.get(f"/accounts/{HANDLE}/").content.decode()
    for name in ("posts.csv", "posts.xlsx", "posts.json", "hashtags.csv", "hashtags.json"):
        assert f"/exports/{HANDLE}/{name}" in page


def test_the_command_line_says_what_is_wrong_in_one_line_and_fails(tmp_path: Path) -> None:
    from exports.tests.processes import checked, manage

    checked(manage(tmp_path, "migrate", "-v", "0"))
    for args, message in [
        (("@ghost", "--list", "posts"), "CommandError: No tracked account @ghost."),
        (("@ghost", "--list", "reels"), "invalid choice: 'reels'"),
    ]:
        done = manage(tmp_path, "export", *args, "-o", str(tmp_path / "out.csv"))
        assert done.returncode != 0
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert message in lines[-1], done.stderr
        if message.startswith("CommandError"):
            assert len(lines) == 1, done.stderr  # argparse adds its usage line before
        assert "Traceback" not in done.stderr
        assert not (tmp_path / "out.csv").exists()
