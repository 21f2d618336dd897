from __future__ import annotations

import csv
import io

import pytest

from accounts_app.models import IgUser
from exports import files
from exports.lists import AccountList, ListError, ListName, find_target, get_list
from exports.tests.history import churn_history, finished_scrape, make_target, make_users
from scraping.models import Direction, Relationship, Scrape

pytestmark = pytest.mark.django_db

F, G = Direction.FOLLOWER, Direction.FOLLOWING


def usernames(account_list: AccountList) -> list[str]:
    return [row[0] for row in account_list.rows()]


def expected_lists(
    saw: dict[int, dict[int, set[str]]], scrape_ids: list[int], index: int
) -> dict[str, set[str]]:
    now = saw[scrape_ids[index]]
    before = saw[scrape_ids[index - 1]] if index else {F: set(), G: set()}
    return {
        "followers": now[F],
        "following": now[G],
        "mutuals": now[F] & now[G],
        "not_following_back": now[G] - now[F],
        "not_followed_back": now[F] - now[G],
        "new": now[F] - before[F],
        "lost": before[F] - now[F],
        "new_following": now[G] - before[G],
        "lost_following": before[G] - now[G],
    }


def test_every_list_as_of_each_scrape_is_what_that_scrape_saw() -> None:
    target = make_target()
    scrapes, saw = churn_history(target)
    ids = [scrape.pk for scrape in scrapes]
    # The history really has churn and a refollow (two intervals for user00).
    assert (
        Relationship.objects.filter(target=target, user__username="user00", direction=F).count()
        == 2
    )
    for index, scrape_id in enumerate(ids):
        for name, expected in expected_lists(saw, ids, index).items():
            got = usernames(get_list(target, name, at=scrape_id))
            assert got == sorted(expected), (scrape_id, name)


def test_lists_now_equal_the_latest_scrape() -> None:
    target = make_target()
    scrapes, saw = churn_history(target)
    ids = [scrape.pk for scrape in scrapes]
    for name, expected in expected_lists(saw, ids, len(ids) - 1).items():
        assert usernames(get_list(target, name)) == sorted(expected), name


def test_csv_export_as_of_a_past_scrape_lists_what_it_saw() -> None:
    target = make_target()
    scrapes, saw = churn_history(target)
    middle = scrapes[1]
    out = io.BytesIO()
    count = files.write(get_list(target, "followers", at=str(middle.pk)), files.Format.CSV, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    assert count == len(rows) == len(saw[middle.pk][F])
    assert {row["username"] for row in rows} == saw[middle.pk][F]


def test_lost_lists_carry_the_time_of_the_scrape_that_ended_them() -> None:
    target = make_target()
    scrapes, _ = churn_history(target)
    lost = get_list(target, "lost", at=scrapes[1].pk)
    assert lost.column_names[-1] == "ended_at"
    rows = list(lost.rows())
    assert [row[0] for row in rows] == ["user00", "user01"]
    assert {row[-1] for row in rows} == {scrapes[1].finished_at}
    assert {row[6] for row in rows} == {scrapes[0].finished_at}


def test_new_and_lost_follow_the_latest_scrape_that_fetched_that_list() -> None:
    target = make_target()
    users = make_users(["a", "b"])
    first = finished_scrape(target, [F])
    Relationship.objects.create(target=target, user=users[0], direction=F, first_seen=first)
    finished_scrape(target, [G])  # a later following-only scrape does not hide new followers
    assert usernames(get_list(target, "new")) == [users[0].username]


def test_search_matches_username_or_full_name_case_insensitively() -> None:
    target = make_target()
    scrape = finished_scrape(target)
    for user in make_users(["Alice Smith", "Bob", "alicia keys"]):
        Relationship.objects.create(target=target, user=user, direction=F, first_seen=scrape)
    assert usernames(get_list(target, "followers", search="ALIC")) == ["user00", "user02"]
    assert usernames(get_list(target, "followers", search="@user01")) == ["user01"]


def test_rows_hold_profile_url_and_first_seen_time() -> None:
    target = make_target()
    scrape = finished_scrape(target)
    user = make_users(["Name"])[0]
    Relationship.objects.create(target=target, user=user, direction=F, first_seen=scrape)
    (row,) = get_list(target, "followers").rows()
    assert row == (
        "user00",
        "Name",
        user.ig_pk,
        True,
        True,
        "https://www.instagram.com/user00/",
        scrape.finished_at,
    )


def test_keyset_paging_continues_after_a_row_without_gaps_or_repeats() -> None:
    target = make_target()
    scrape = finished_scrape(target)
    users = make_users([""] * 7)
    # A reused username: the user id breaks the tie.
    users.append(IgUser.objects.create(username=users[3].username, full_name="reused"))
    for user in users:
        Relationship.objects.create(target=target, user=user, direction=F, first_seen=scrape)
    account_list = get_list(target, "followers")
    seen, after = [], None
    while page := list(account_list.queryset(after, with_user_id=True)[:3]):
        seen.extend((row[0], row[-1]) for row in page)
        after = (page[-1][0], page[-1][-1])
    assert seen == sorted((user.username, user.pk) for user in users)


def test_unknown_list_and_foreign_or_unfinished_scrape_are_refused() -> None:
    target = make_target()
    other = make_target("other")
    foreign = finished_scrape(other)
    running = Scrape.objects.create(target=target, status=Scrape.Status.RUNNING)
    with pytest.raises(ListError, match=r"Unknown list 'nope'\. Choose one of: followers,"):
        get_list(target, "nope")
    with pytest.raises(
        ListError, match=f"Scrape #{foreign.pk} is not a finished scrape of @target"
    ):
        get_list(target, "followers", at=foreign.pk)
    with pytest.raises(ListError, match=f"Scrape #{running.pk} is not a finished"):
        get_list(target, "followers", at=str(running.pk))
    with pytest.raises(ListError, match="'abc' is not a scrape number"):
        get_list(target, "followers", at="abc")
    assert set(ListName) >= {"not_following_back", "not_followed_back"}


def test_find_target_accepts_at_sign_and_any_case() -> None:
    target = make_target("some.name")
    assert find_target("@Some.Name") == target
    assert find_target("nobody") is None
    assert find_target("@") is None
