"""Each figure of docs/content-analytics.md on a small hand-computed account.

Follower history of @creator (scrape statistics): day 0: 1,000 (profile
count); day 20: 2,000; day 40: 4,000 (an import: no profile count, a complete
listed count). The content scrape runs on day 60 (profile: 5,000).

    post  day  type      likes  comments  plays  followers   rate
    p0    -10  feed         40        10      -   5,000 est   1.0
    p1      7  feed         90        10      -   1,000      10.0
    p2     25  feed         30        10      -   2,000       2.0
    p3     42  clips       380        20  8,000   4,000      10.0
    p4     50  clips    hidden         5  3,000   4,000         -
    p5     55  carousel    150        50      -   4,000       5.0
    p6     30  feed   (removed before the content scrape's finalise: never counted)
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from content import analytics
from content.models import ContentPart, Listing, Post, TagKind
from content.store import finalise, store_page
from content.tests.builders import day, media, part, scrape, target

pytestmark = pytest.mark.django_db


@pytest.fixture
def account():  # type: ignore[no-untyped-def]
    creator = target("creator", followers=5000)
    scrape(creator, day(0), followers=1000)
    scrape(creator, day(20), followers=2000)
    scrape(creator, day(40), listed=4000)
    earlier = scrape(creator, day(59), followers=5000, stats=False)
    store_page(earlier, part(earlier), [media(6, day(30), caption="#gone")])
    run = scrape(creator, day(60), followers=5000)
    content = part(run, list_clips=False)
    items = [
        media(5, day(55), likes=150, comments=50, product_type="carousel", caption="#rain #moon"),
        media(
            4,
            day(50, hour=20),
            likes=None,
            comments=5,
            product_type="clips",
            plays=3000,
            duration=30.0,
            caption="#sun #moon",
        ),
        media(
            3,
            day(42, hour=18),
            likes=380,
            comments=20,
            product_type="clips",
            plays=8000,
            duration=15.5,
            caption="#sun",
        ),
        media(2, day(25), likes=30, comments=10, caption="#sun #rain"),
        media(1, day(7, hour=18), likes=90, comments=10, caption="#SUN with @Ann"),
        media(0, day(-10), likes=40, comments=10, caption="#rain"),
    ]
    store_page(run, content, items)
    finalise(run, content)
    assert Post.objects.get(ig_pk=6).removed_by_id == run.pk
    return creator


def by_pk(rates: list[analytics.PostRate]) -> dict[int, analytics.PostRate]:
    return {rate.ig_pk: rate for rate in rates}


def test_rate_uses_the_follower_count_at_the_post_date(
    account, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    with django_assert_max_num_queries(2):
        rates = by_pk(analytics.post_rates(account.pk))
    assert sorted(rates) == [0, 1, 2, 3, 4, 5]  # p6 was removed
    assert {pk: (r.followers, r.estimated, r.rate) for pk, r in rates.items()} == {
        0: (5000, True, 1.0),
        1: (1000, False, 10.0),
        2: (2000, False, 2.0),
        3: (4000, False, 10.0),
        4: (4000, False, None),  # hidden likes: unknown, not a rate from comments
        5: (4000, False, 5.0),
    }


def test_estimate_falls_back_to_the_account_count_without_a_profile_count() -> None:
    lone = target("lone", followers=800)
    run = scrape(lone, day(5), stats=False)  # no profile count, no history
    store_page(run, part(run), [media(1, day(1), likes=7, comments=1)])
    (rate,) = analytics.post_rates(lone.pk)
    assert (rate.followers, rate.estimated, rate.rate) == (800, True, 1.0)
    assert analytics.engagement_rate(5, None, 100) is None
    assert analytics.engagement_rate(5, 0, 0) is None


def test_account_engagement_is_the_median_of_the_last_twelve_known_rates(account) -> None:  # type: ignore[no-untyped-def]
    rates = analytics.post_rates(account.pk)
    assert analytics.account_engagement(rates) == analytics.Engagement(5.0, 5, True)
    assert analytics.account_engagement(rates, kind="reels") == analytics.Engagement(10.0, 1, False)
    assert analytics.account_engagement(rates, kind="feed") == analytics.Engagement(3.5, 4, True)


def test_last_twelve_means_the_newest_twelve() -> None:
    busy = target("busy", followers=100)
    run = scrape(busy, day(0), followers=100)
    # 14 posts: two old ones at 50 %, then twelve at 1 % .. 12 %.
    items = [media(100 + n, day(10 + n), likes=n, comments=0) for n in range(1, 13)]
    items += [media(1, day(1), likes=50, comments=0), media(2, day(2), likes=50, comments=0)]
    store_page(run, part(run), items)
    engagement = analytics.account_engagement(analytics.post_rates(busy.pk))
    assert (engagement.rate, engagement.posts) == (6.5, 12)


def test_tiers_against_the_90_day_median_and_absolute_bands(account) -> None:  # type: ignore[no-untyped-def]
    rates = by_pk(analytics.post_rates(account.pk))
    median = analytics.baseline(list(rates.values()))
    assert median == 5.0
    tiers = {pk: analytics.tier(r.rate, median) for pk, r in rates.items()}
    assert tiers == {0: "low", 1: "top", 2: "low", 3: "top", 4: None, 5: "above"}
    assert analytics.tier(2.5, 5.0) == "below"
    assert analytics.tier(2.49, 5.0) == "low"
    assert analytics.tier(3.0, None) is None
    bands = [analytics.band(r) for r in (0.5, 1.0, 3.49, 3.5, 5.99, 6.0, None)]
    assert bands == ["low", "average", "average", "high", "high", "very high", None]


def test_baseline_window_is_90_days_before_the_newest_known_rate() -> None:
    old = target("old", followers=100)
    run = scrape(old, day(0), followers=100)
    items = [
        media(1, day(1), likes=40, comments=0),  # 40 %: outside the 90 days
        media(2, day(200), likes=2, comments=0),
        media(3, day(250), likes=4, comments=0),
    ]
    store_page(run, part(run), items)
    assert analytics.baseline(analytics.post_rates(old.pk)) == 3.0


def test_top_content(account) -> None:  # type: ignore[no-untyped-def]
    rates = analytics.post_rates(account.pk)
    assert [r.ig_pk for r in analytics.top_content(rates, "rate")] == [3, 1, 5, 2, 0]
    assert [r.ig_pk for r in analytics.top_content(rates, "plays")] == [3, 4]
    assert [r.ig_pk for r in analytics.top_content(rates, "comments", limit=2)] == [5, 3]
    with pytest.raises(ValueError, match="cannot rank"):
        analytics.top_content(rates, "caption")


def test_hashtag_and_mention_tables_rank_only_tags_with_three_posts(
    account, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    rates = analytics.post_rates(account.pk)
    with django_assert_max_num_queries(1):
        table = analytics.hashtag_table(account.pk, rates)
    rows = [(r.tag, r.posts, r.median_rate, r.median_plays, r.rank) for r in table]
    assert rows == [
        ("sun", 4, 10.0, 5500.0, 1),  # rates 10, 2, 10, unknown; plays 8000, 3000
        ("rain", 3, 2.0, None, 2),  # rates 1, 2, 5
        ("moon", 2, 5.0, 3000, None),  # two posts: shown, not ranked
    ]  # "gone" belonged to the removed post only
    assert [(r.tag, r.posts, r.rank) for r in analytics.mention_table(account.pk, rates)] == [
        ("ann", 1, None)
    ]
    assert analytics.tag_table(account.pk, TagKind.MENTION, []) == []


def test_cadence_grid_and_trend(account) -> None:  # type: ignore[no-untyped-def]
    rates = analytics.post_rates(account.pk)
    assert analytics.cadence(rates, now=day(56)) == 0.5  # 6 posts in 12 weeks
    assert analytics.cadence(rates, weeks=2, now=day(56)) == 1.5  # p3 (day 42, 18:00), p4, p5
    grid = analytics.weekday_hour_grid(rates, tz=dt.UTC)
    assert grid[(0, 18)] == analytics.Cell(2, 10.0)  # p1 and p3: Mondays 18:00
    assert grid[(6, 12)] == analytics.Cell(1, 5.0)  # p5: Sunday 1 March, noon
    berlin = analytics.weekday_hour_grid(rates, tz=ZoneInfo("Europe/Berlin"))
    assert berlin[(0, 19)] == analytics.Cell(2, 10.0)
    assert analytics.trend(rates, "month", tz=dt.UTC) == {
        "2025-12": 1.0,
        "2026-01": 6.0,
        "2026-02": 10.0,
        "2026-03": 5.0,
    }
    weekly = analytics.trend(rates, "week", tz=dt.UTC)
    assert weekly["2026-W03"] == 10.0 and weekly["2026-W09"] == 5.0
    assert next(iter(weekly)) == "2025-W52"
    assert analytics.weekly_posts(rates, tz=dt.UTC)["2026-W08"] == 1


def test_reels_plays_per_follower(account) -> None:  # type: ignore[no-untyped-def]
    rates = analytics.post_rates(account.pk)
    points = {p.duration: (p.plays, p.plays_per_follower) for p in analytics.reels(rates)}
    assert points == {15.5: (8000, 2.0), 30.0: (3000, 0.75)}
    assert analytics.median_plays(rates) == 5500


def test_summary_is_two_queries(account, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    with django_assert_max_num_queries(2):
        summary = analytics.summary(account.pk)
    assert (summary.posts, summary.reels, summary.median_plays, summary.baseline) == (
        6,
        2,
        5500,
        5.0,
    )
    assert summary.engagement.rate == 5.0 and summary.feed_engagement.rate == 3.5


def test_metric_curve_across_snapshots(django_assert_max_num_queries) -> None:
    creator = target("curve")
    runs = [scrape(creator, day(n), followers=100) for n in (10, 11, 12, 13)]
    for run, likes in zip(runs, (5, 5, 9, 9), strict=True):
        store_page(
            run, part(run), [media(1, day(1), likes=likes, plays=None)], listing=Listing.FEED
        )
    post = Post.objects.get(ig_pk=1)
    with django_assert_max_num_queries(2):
        curve = analytics.metric_curve(post.pk)
    assert [(p.scrape_id, p.at, p.likes) for p in curve] == [
        (runs[0].pk, day(10), 5),
        (runs[2].pk, day(12), 9),
        (runs[3].pk, day(13), 9),  # last sighting: the line runs flat to it
    ]
    assert ContentPart.objects.count() == 4


def test_filtering_by_hashtag_reads_the_tag_index(account) -> None:  # type: ignore[no-untyped-def]
    sun = analytics.post_rates(account.pk, posts=analytics.tagged(account.pk, "sun"))
    assert sorted(rate.ig_pk for rate in sun) == [1, 2, 3, 4]
    mentioned = analytics.tagged(account.pk, "ann", TagKind.MENTION)
    assert list(Post.objects.filter(mentioned).values_list("ig_pk", flat=True)) == [1]
    plan = Post.objects.filter(analytics.tagged(account.pk, "sun")).explain()
    # SQLite (the default database) plans by indexes whatever the table size;
    # PostgreSQL would scan tables this small, so only SQLite's plan is asked.
    assert connection.vendor != "sqlite" or "posttag_target_tag" in plan
