"""Storing content listings: upserts, metric intervals, tags, checkpoints, and
the removal verdict, on the database directly."""

from __future__ import annotations

import pytest

from content.models import ContentPart, Listing, Post, PostMetrics, PostTag, TagKind
from content.store import finalise, judge, store_page
from content.tests.builders import day, media, part, scrape, target

pytestmark = pytest.mark.django_db


def metrics_of(pk: int) -> list[tuple]:
    return list(
        PostMetrics.objects.filter(post__ig_pk=pk)
        .order_by("id")
        .values_list("likes", "comments", "plays", "first_seen_id", "ended_by_id")
    )


def test_a_page_stored_twice_changes_nothing() -> None:
    account = target()
    run = scrape(account, day(10))
    content = part(run)
    items = [media(1, day(1), caption="#Sun @Bob"), media(2, day(2))]

    assert store_page(run, content, items, next_cursor="c1", more=True) == 2
    snapshot = (
        list(Post.objects.values_list("ig_pk", "first_seen_id", "last_seen_id")),
        list(PostMetrics.objects.values_list("post_id", "likes", "ended_by_id")),
        list(PostTag.objects.values_list("post_id", "kind", "tag")),
    )
    assert store_page(run, content, items, next_cursor="c1", more=True) == 0

    assert (
        list(Post.objects.values_list("ig_pk", "first_seen_id", "last_seen_id")),
        list(PostMetrics.objects.values_list("post_id", "likes", "ended_by_id")),
        list(PostTag.objects.values_list("post_id", "kind", "tag")),
    ) == snapshot
    content.refresh_from_db()
    assert (content.fetched, content.new_posts, content.feed_pages, content.feed_items) == (
        2,
        2,
        1,
        2,
    )
    assert content.feed_cursor == "c1" and not content.feed_exhausted


def test_checkpoint_resumes_from_the_stored_cursor() -> None:
    account = target()
    run = scrape(account, day(10))
    content = part(run)
    store_page(run, content, [media(1, day(5))], next_cursor="c1", more=True)
    # A new worker reads the part back and goes on from its cursor.
    resumed = ContentPart.objects.get(pk=content.pk)
    assert resumed.feed_cursor == "c1"
    store_page(run, resumed, [media(1, day(5)), media(2, day(4))], next_cursor=None, more=False)
    resumed.refresh_from_db()
    assert (resumed.fetched, resumed.feed_pages, resumed.feed_exhausted) == (2, 2, True)
    assert Post.objects.count() == 2


def test_metrics_get_a_new_interval_only_when_a_value_changes() -> None:
    account = target()
    first, second, third = (scrape(account, day(n)) for n in (10, 11, 12))
    store_page(first, part(first), [media(1, day(1), likes=10, comments=2)])
    store_page(second, part(second), [media(1, day(1), likes=10, comments=2)])
    store_page(third, part(third), [media(1, day(1), likes=15, comments=2)])

    assert metrics_of(1) == [(10, 2, None, first.pk, third.pk), (15, 2, None, third.pk, None)]
    post = Post.objects.get(ig_pk=1)
    assert (post.first_seen_id, post.last_seen_id) == (first.pk, third.pk)


def test_hidden_and_missing_counts_stay_unknown() -> None:
    account = target()
    run = scrape(account, day(10))
    items = [
        media(1, day(1), likes=None, comments=4),  # hidden likes, as the wire reports them
        media(2, day(2), likes=-1, comments=0),  # a raw -1 marker is unknown, not 0
        media(3, day(3), product_type="clips", plays=None, duration=7.5),
    ]
    store_page(run, part(run), items)
    rows = dict(PostMetrics.objects.values_list("post__ig_pk", "likes"))
    assert rows == {1: None, 2: None, 3: 10}
    assert PostMetrics.objects.get(post__ig_pk=3).plays is None
    assert PostMetrics.objects.get(post__ig_pk=2).comments == 0


def test_known_to_hidden_is_a_change_but_one_scrape_merges_its_sightings() -> None:
    account = target()
    first, second = scrape(account, day(10)), scrape(account, day(11))
    store_page(first, part(first), [media(1, day(1), likes=50)])
    content = part(second)
    # The reels tab carries the plays, the grid does not: within one scrape
    # the two sightings are one observation, whatever their order.
    reel = media(2, day(2), product_type="clips", plays=900)
    store_page(second, content, [media(1, day(1), likes=None), reel], listing=Listing.CLIPS)
    store_page(
        second, content, [media(2, day(2), product_type="clips", plays=None)], listing=Listing.FEED
    )
    assert metrics_of(1) == [(50, 1, None, first.pk, second.pk), (None, 1, None, second.pk, None)]
    assert metrics_of(2) == [(10, 1, 900, second.pk, None)]
    content.refresh_from_db()
    assert content.fetched == 2  # the reel in both listings is one post


def test_repeated_items_in_a_page_are_one_post() -> None:
    account = target()
    run = scrape(account, day(10))
    content = part(run)
    items = [media(1, day(1), plays=None), media(1, day(1), plays=70), media(2, day(2))]
    assert store_page(run, content, items) == 2
    assert metrics_of(1) == [(10, 1, 70, run.pk, None)]


def test_tags_are_parsed_stored_and_follow_caption_edits() -> None:
    account = target()
    first, second = scrape(account, day(10)), scrape(account, day(11))
    store_page(first, part(first), [media(1, day(1), caption="Hi #Sun #sun @Ann.")])
    tags = set(PostTag.objects.values_list("kind", "tag", "target_id"))
    assert tags == {(TagKind.HASHTAG, "sun", account.pk), (TagKind.MENTION, "ann", account.pk)}

    store_page(second, part(second), [media(1, day(1), caption="edited #moon")])
    assert set(PostTag.objects.values_list("tag", flat=True)) == {"moon"}
    assert Post.objects.get(ig_pk=1).caption == "edited #moon"


def test_a_partial_listing_removes_nothing() -> None:
    account = target()
    first, second = scrape(account, day(10)), scrape(account, day(11))
    content = part(first, list_clips=False)
    store_page(first, content, [media(pk, day(pk)) for pk in (1, 2, 3)])
    assert finalise(first, content).complete is True

    cut = part(second, list_clips=False)
    store_page(second, cut, [media(3, day(3))], next_cursor="c1", more=True)
    verdict = finalise(second, cut)
    assert verdict.complete is False
    assert "stopped before its end" in verdict.incomplete_reason
    assert Post.objects.filter(removed_by__isnull=False).count() == 0

    failed = part(scrape(account, day(12)), list_clips=False, incomplete_reason="HTTP 500")
    assert judge(failed) == "HTTP 500"


def test_a_complete_listing_marks_the_missing_post_removed_and_a_comeback_clears_it() -> None:
    account = target()
    first, second, third = (scrape(account, day(n)) for n in (10, 11, 12))
    everything = [media(1, day(1)), media(2, day(2)), media(3, day(3), product_type="clips")]
    store_page(first, part(first), everything)
    store_page(first, first.content, everything[2:], listing=Listing.CLIPS)
    finalise(first, first.content)

    content = part(second)
    store_page(second, content, [media(1, day(1))])
    fresh_reel = media(4, day(4), product_type="clips")
    store_page(second, content, [fresh_reel], listing=Listing.CLIPS)
    finalise(second, content)
    removed = dict(Post.objects.values_list("ig_pk", "removed_by_id"))
    assert removed == {1: None, 2: second.pk, 3: second.pk, 4: None}
    assert content.removed == 2
    # Its last known counts stay open.
    assert PostMetrics.objects.get(post__ig_pk=2).ended_by_id is None

    store_page(third, part(third), [media(2, day(2))])
    assert Post.objects.get(ig_pk=2).removed_by_id is None


def test_a_grid_listing_never_judges_reels() -> None:
    """A reel may be left off the grid: only the reels tab can miss it."""
    account = target()
    first, second = scrape(account, day(10)), scrape(account, day(11))
    store_page(first, part(first), [media(1, day(1)), media(2, day(2), product_type="clips")])
    grid_only = part(second, list_clips=False)
    store_page(second, grid_only, [media(1, day(1))])
    assert finalise(second, grid_only).complete is True
    assert not Post.objects.filter(removed_by__isnull=False).exists()


def test_window_listings_never_remove_outside_their_window() -> None:
    account = target()
    first, second, third = (scrape(account, day(n)) for n in (40, 41, 42))
    # Eight posts, days 1..8; a full listing sees them all.
    store_page(first, part(first, list_clips=False), [media(pk, day(pk)) for pk in range(8, 0, -1)])
    finalise(first, first.content)

    # "The last 5": pinned post 1 first, then 8, 7, (6 deleted), 5, 4; stopped.
    last = part(second, list_clips=False, mode=ContentPart.Mode.LAST, limit=5)
    pinned_first = [media(1, day(1)), media(8, day(8)), media(7, day(7)), media(5, day(5))]
    store_page(second, last, [*pinned_first, media(4, day(4))], next_cursor="c1", more=True)
    assert finalise(second, last).complete is True
    assert last.feed_frontier == day(4)
    removed = set(Post.objects.filter(removed_by=second).values_list("ig_pk", flat=True))
    assert removed == {6}  # 2 and 3 are older than the window: untouched

    # "Since day 5" (the nightly shape): stops at the first page past the date.
    since = part(third, list_clips=False, mode=ContentPart.Mode.SINCE, since=day(5))
    store_page(third, since, [media(8, day(8)), media(7, day(7))], next_cursor="a", more=True)
    store_page(third, since, [media(5, day(5)), media(2, day(2))], next_cursor="b", more=True)
    assert finalise(third, since).complete is True
    assert set(Post.objects.filter(removed_by=third).values_list("ig_pk", flat=True)) == {4, 3}


def test_a_window_inside_the_pinned_head_covers_nothing() -> None:
    account = target()
    first, second = scrape(account, day(40)), scrape(account, day(41))
    store_page(first, part(first, list_clips=False), [media(pk, day(pk)) for pk in range(5, 0, -1)])
    finalise(first, first.content)
    # "The last 2" answered by two pinned old posts: the listing proves nothing
    # about the dates between them and now.
    last = part(second, list_clips=False, mode=ContentPart.Mode.LAST, limit=2)
    store_page(second, last, [media(1, day(1)), media(2, day(2))], next_cursor="c", more=True)
    assert finalise(second, last).complete is True
    assert last.feed_frontier is None
    assert not Post.objects.filter(removed_by__isnull=False).exists()


def test_since_listing_that_never_passed_its_date_is_partial() -> None:
    account = target()
    run = scrape(account, day(40))
    since = part(run, list_clips=False, mode=ContentPart.Mode.SINCE, since=day(5))
    store_page(
        run, since, [media(pk, day(pk)) for pk in (9, 8, 7, 6, 5)], next_cursor="x", more=True
    )
    assert finalise(run, since).complete is False


def test_ten_thousand_posts_cost_a_fixed_number_of_statements_a_page(
    django_assert_max_num_queries,
) -> None:
    """Instagram's pages hold 12 to 50 items: each costs the same few statements
    (read, upsert, ids, metrics, tags, checkpoint, savepoint), never one a post."""
    account = target()
    run = scrape(account, day(400))
    content = part(run, list_clips=False)
    hour = day(1) - day(0)
    posts = [
        media(pk, day(0) + hour * pk / 100, caption=f"#t{pk % 7}") for pk in range(10_000, 0, -1)
    ]
    pages = [posts[start : start + 50] for start in range(0, 10_000, 50)]
    for number, page in enumerate(pages):
        with django_assert_max_num_queries(9):
            store_page(run, content, page, next_cursor=f"c{number}", more=True)
    assert Post.objects.filter(target=account).count() == 10_000
    assert PostMetrics.objects.count() == 10_000
    assert PostTag.objects.count() == 10_000

    again = scrape(account, day(401))
    second = part(again, list_clips=False)
    for number, page in enumerate(pages):
        changed = [
            media(p.pk, p.taken_at, likes=p.likes + (p.pk % 100 == 0), caption=p.caption)
            for p in page
        ]
        last = number == len(pages) - 1
        with django_assert_max_num_queries(10):
            store_page(
                again, second, changed, next_cursor=None if last else f"c{number}", more=not last
            )
    assert PostMetrics.objects.count() == 10_100  # only the 1% that changed
    assert PostMetrics.objects.filter(ended_by=again).count() == 100
    # The verdict and the removals, then the stored figures (content/stored.py:
    # the definition's two reads, the stored values, one batched update) and
    # the analytics snapshot (content/snapshot.py: the posts, two tag tables,
    # its row), savepoints included: the same at any number of posts.
    with django_assert_max_num_queries(20):
        assert finalise(again, second).complete is True


def test_an_empty_listing_is_a_refusal_that_removes_nothing() -> None:
    account = target()
    first, second = scrape(account, day(10)), scrape(account, day(11))
    store_page(first, part(first, list_clips=False), [media(1, day(1)), media(2, day(2))])
    finalise(first, first.content)
    empty = part(second, list_clips=False)
    store_page(second, empty, [], next_cursor=None, more=False)
    verdict = finalise(second, empty)
    assert verdict.complete is False
    assert verdict.incomplete_reason == (
        "Instagram answered an empty posts listing although igdash knows 2 posts"
    )
    assert not Post.objects.filter(removed_by__isnull=False).exists()
    # A brand-new account with no posts yet is simply complete.
    other = target("fresh")
    run = scrape(other, day(11))
    assert finalise(run, part(run, list_clips=False)).complete is False  # never listed
    nothing = part(scrape(other, day(12)), list_clips=False)
    store_page(nothing.scrape, nothing, [], more=False)
    assert finalise(nothing.scrape, nothing).complete is True


def test_more_without_a_cursor_is_not_the_end_of_the_listing() -> None:
    account = target()
    run = scrape(account, day(10))
    content = part(run, list_clips=False)
    store_page(run, content, [media(1, day(1))], next_cursor=None, more=True)
    assert content.feed_exhausted is False
    assert finalise(run, content).complete is False


def test_a_worker_that_lost_the_scrape_writes_nothing() -> None:
    from scraping.models import Scrape
    from scraping.services.store import LostClaim

    account = target()
    run = scrape(account, day(10))
    Scrape.objects.filter(pk=run.pk).update(status=Scrape.Status.RUNNING, claimed_by="w1")
    content = part(run, list_clips=False)
    store_page(run, content, [media(1, day(1))], next_cursor="c1", more=True, worker="w1")
    with pytest.raises(LostClaim):
        store_page(run, content, [media(2, day(2))], next_cursor="c2", more=True, worker="w2")
    content.refresh_from_db()
    assert (content.feed_cursor, content.fetched) == ("c1", 1)
    assert list(Post.objects.values_list("ig_pk", flat=True)) == [1]


def test_finalise_judges_the_stored_checkpoint_not_a_stale_copy() -> None:
    account = target()
    run = scrape(account, day(10))
    content = part(run, list_clips=False)
    stale = ContentPart.objects.get(pk=content.pk)  # read before any page
    store_page(run, content, [media(1, day(1))], next_cursor=None, more=False)
    verdict = finalise(run, stale)
    assert (verdict.complete, verdict.fetched, verdict.feed_exhausted) == (True, 1, True)
