"""The Content tab and the page of a post: cards, the posts list (sorted,
filtered, paged by keyset cursors, unknowns shown as "—" never 0), the
analytics blocks, thumbnails behind the login, and refusals of bad input."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from content import pages, thumbnails
from content.models import Post
from content.store import finalise, store_page
from content.tests.builders import day, media, part, scrape, target

pytestmark = pytest.mark.django_db


@pytest.fixture
def creator():  # type: ignore[no-untyped-def]
    """@creator: 1,000 followers from day 0; 40 feed posts (one hidden-likes
    post with #rain, captions "post N"), 5 reels with plays, one with #rain."""
    account = target("creator", followers=1000)
    scrape(account, day(0), followers=1000)
    run = scrape(account, day(80), followers=1000)
    content = part(run)
    items = [
        media(
            100 + n,
            day(1 + n),
            likes=10 + n,
            comments=n % 4,
            caption=f"post {n}" + (" #rain" if n % 10 == 0 else ""),
        )
        for n in range(40)
    ]
    items[5] = media(105, day(6), likes=None, comments=3, caption="hidden #rain")
    reels = [
        media(
            200 + n,
            day(50 + n, hour=20),
            likes=100 + n,
            comments=5,
            plays=5000 + n * 100,
            product_type="clips",
            duration=20.0,
            caption="reel #sun",
        )
        for n in range(5)
    ]
    reels[0] = media(200, day(50, hour=20), likes=100, comments=5, plays=None, product_type="clips")
    store_page(run, content, reels + items)
    finalise(run, content)
    return account


@pytest.fixture
def owner_client(client: Client) -> Client:
    client.force_login(User.objects.create_superuser("owner", "", "pw"))
    return client


def tab_url(**query: str) -> str:
    url = reverse("content:tab", args=["creator"])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def shown(html: str) -> list[str]:
    return re.findall(r'data-post="([^"]+)"', html)


def test_the_account_page_links_its_content_tab(owner_client, creator) -> None:  # type: ignore[no-untyped-def]
    html = owner_client.get(reverse("accounts:detail", args=["creator"])).content.decode()
    assert f'href="{tab_url()}"' in html


def test_the_tab_shows_cards_blocks_and_the_newest_posts_first(
    owner_client, creator, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    # Session, user, account; the cards from the account's analytics snapshot,
    # posts a week (a count), the page of posts, the bell's unread count:
    # whatever the number of posts.
    with django_assert_max_num_queries(7):
        response = owner_client.get(tab_url())
    assert response.status_code == 200
    html = response.content.decode()
    cards = html.split("data-content-cards")[1].split("</dl>")[0]
    assert re.search(r"Posts</dt><dd class=\"kpi-value\">45<", cards)
    assert re.search(r"Reels</dt><dd class=\"kpi-value\">5<", cards)
    assert "Median rate of the last 12 posts with a known rate" in cards
    # Newest first: the reels of days 50-54, then the feed from day 40 down.
    assert shown(html)[:6] == ["C204", "C203", "C202", "C201", "C200", "C139"]
    assert len(shown(html)) == pages.PAGE_SIZE
    # The analytics blocks read every post: a second request the tab loads.
    analytics_url = reverse("content:analytics", args=["creator"])
    assert f'hx-get="{analytics_url}"' in html and 'hx-trigger="load"' in html
    with django_assert_max_num_queries(9):
        blocks = owner_client.get(analytics_url, headers={"HX-Request": "true"})
    body = blocks.content.decode()
    assert "<html" not in body
    assert "#rain" in body.split("data-hashtags")[1]
    for block in ("data-grid", "data-trend", "data-weekly", "data-top", "data-mentions"):
        assert block in body
    # Without script: the same blocks as a page of their own.
    page = owner_client.get(analytics_url).content.decode()
    assert "<html" in page and "data-weekly" in page


def test_unknown_counts_show_a_dash_with_the_reason_never_zero(owner_client, creator) -> None:  # type: ignore[no-untyped-def]
    html = owner_client.get(tab_url(tag="rain")).content.decode()
    row = html.split('data-post="C105"')[1].split("</li>")[0]
    assert 'title="Unknown: the owner hid the like count on Instagram" data-unknown>—' in row
    assert "likes or comments are hidden" in row
    assert "Photos and carousels have no play count" in row
    reel = owner_client.get(tab_url(type="clips")).content.decode()
    row = reel.split('data-post="C200"')[1].split("</li>")[0]
    assert "play counts only to a logged-in scrape" in row


def test_infinite_scroll_pages_by_cursor_without_repeats(
    owner_client, creator, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    seen: list[str] = []
    for sort in pages.SORTS:
        seen = []
        html = owner_client.get(tab_url(sort=sort)).content.decode()
        seen += shown(html)
        more = re.search(r'hx-get="([^"]*/rows/[^"]+)"', html)
        while more:
            with django_assert_max_num_queries(7):  # no cards, no blocks
                rows = owner_client.get(
                    more.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"}
                )
            assert rows.status_code == 200
            body = rows.content.decode()
            assert "<html" not in body
            seen += shown(body)
            more = re.search(r'hx-get="([^"]*/rows/[^"]+)"', body)
        assert len(seen) == len(set(seen)) == 45, sort


def test_sorts_put_unknowns_last(owner_client, creator) -> None:  # type: ignore[no-untyped-def]
    plays = shown(owner_client.get(tab_url(sort="plays")).content.decode())
    assert plays[:4] == ["C204", "C203", "C202", "C201"]
    rate = shown(owner_client.get(tab_url(sort="rate")).content.decode())
    assert rate[0] == "C204"  # 109 / 1,000
    rows = owner_client.get(tab_url(sort="rate", tag="rain")).content.decode()
    assert shown(rows)[-1] == "C105"  # hidden likes: unknown rate, last


def test_filters_by_type_hashtag_and_caption(owner_client, creator) -> None:  # type: ignore[no-untyped-def]
    assert sorted(shown(owner_client.get(tab_url(type="clips")).content.decode())) == [
        f"C{200 + n}" for n in range(5)
    ]
    assert shown(owner_client.get(tab_url(tag="%23RAIN")).content.decode()) == [
        "C130",
        "C120",
        "C110",
        "C105",
        "C100",
    ]
    assert shown(owner_client.get(tab_url(q="post%2033")).content.decode()) == ["C133"]
    # Days 10 to 12 of the calendar (Jan 15-17, 2026): posts 9, 10 and 11.
    assert shown(
        owner_client.get(tab_url(since="2026-01-15", until="2026-01-17")).content.decode()
    ) == [
        "C111",
        "C110",
        "C109",
    ]
    empty = owner_client.get(tab_url(q="nothing")).content.decode()
    assert "data-empty" in empty


@pytest.mark.parametrize(
    "query,text",
    [
        ({"sort": "views"}, "Unknown sort"),
        ({"type": "story"}, "Unknown post type"),
        ({"since": "2026-02-30"}, "YYYY-MM-DD"),
        ({"until": "20260101"}, "YYYY-MM-DD"),
        ({"cursor": "abc"}, "page position"),
        ({"cursor": "WzEuMCwgLTFd"}, "page position"),  # [1.0, -1]
    ],
)
def test_bad_parameters_answer_400_with_a_reason(owner_client, creator, query, text) -> None:  # type: ignore[no-untyped-def]
    response = owner_client.get(tab_url(**query))
    assert response.status_code == 400
    assert text in response.content.decode()


def test_a_post_page_has_its_curve_and_instagram_link(
    owner_client, creator, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    post = Post.objects.get(shortcode="C204")
    later = scrape(creator, day(90), followers=1000)
    content = part(later)
    store_page(
        later,
        content,
        [media(204, day(54, hour=20), likes=500, comments=9, plays=9000, product_type="clips")],
    )
    url = reverse("content:post", args=["creator", post.pk])
    with django_assert_max_num_queries(10):  # the bell's unread count included
        response = owner_client.get(url)
    html = response.content.decode()
    assert 'href="https://www.instagram.com/reel/C204/"' in html
    assert html.count("<polyline") == 3  # likes, comments, plays
    assert "Likes: 500 now" in html


def test_a_post_of_another_account_is_not_found(owner_client, creator) -> None:  # type: ignore[no-untyped-def]
    other = target("other")
    post = Post.objects.get(shortcode="C204")
    assert (
        owner_client.get(reverse("content:post", args=[other.user.username, post.pk])).status_code
        == 404
    )
    assert owner_client.get(reverse("content:post", args=["creator", 10**12])).status_code == 404


def test_thumbnails_need_the_login(client, owner_client, creator) -> None:  # type: ignore[no-untyped-def]
    post = Post.objects.get(shortcode="C204")
    url = reverse("content:thumbnail", args=[post.pk])
    assert Client().get(url).status_code == 302
    response = owner_client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"


def test_an_account_without_posts_says_how_to_get_them(owner_client) -> None:  # type: ignore[no-untyped-def]
    target("quiet")
    html = owner_client.get(reverse("content:tab", args=["quiet"])).content.decode()
    assert "data-no-content" in html and "--content" in html


def test_a_cached_thumbnail_is_served_as_stored(owner_client, creator, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    post = Post.objects.get(shortcode="C204")
    image = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    post.thumbnail = thumbnails.store(post.pk, image)
    post.save(update_fields=["thumbnail"])
    response = owner_client.get(reverse("content:thumbnail", args=[post.pk]))
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == image


def test_a_removed_post_keeps_its_page_and_leaves_the_list(owner_client, creator) -> None:  # type: ignore[no-untyped-def]
    post = Post.objects.get(shortcode="C139")
    Post.objects.filter(pk=post.pk).update(removed_by=post.first_seen)
    assert "C139" not in shown(owner_client.get(tab_url()).content.decode())
    html = owner_client.get(reverse("content:post", args=["creator", post.pk])).content.decode()
    assert "Removed" in html and "the last known" in html


def walk(client: Client, **query: str) -> list[str]:
    """Every post of the list, page after page through the infinite scroll."""
    html = client.get(tab_url(**query)).content.decode()
    seen = shown(html)
    more = re.search(r'hx-get="([^"]*/rows/[^"]+)"', html)
    while more:
        body = client.get(
            more.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"}
        ).content.decode()
        seen += shown(body)
        more = re.search(r'hx-get="([^"]*/rows/[^"]+)"', body)
    return seen


@pytest.mark.parametrize("order", ["desc", "asc"])
@pytest.mark.parametrize("sort", list(pages.SORTS))
def test_every_column_sorts_both_ways_in_the_database_unknowns_last(
    owner_client, creator, sort, order
) -> None:  # type: ignore[no-untyped-def]
    column = {"date": "taken_at"}.get(sort, sort)
    posts = list(Post.objects.filter(target=creator).values_list("shortcode", "pk", column))
    known = sorted(
        ((value, pk, code) for code, pk, value in posts if value is not None),
        reverse=order == "desc",
    )
    unknown = sorted(
        ((pk, code) for code, pk, value in posts if value is None), reverse=order == "desc"
    )
    expected = [code for *_, code in known] + [code for _, code in unknown]
    assert walk(owner_client, sort=sort, order=order) == expected


def test_filters_combine_with_an_ascending_sort(owner_client, creator) -> None:  # type: ignore[no-untyped-def]
    assert walk(owner_client, sort="likes", order="asc", tag="rain") == [
        "C100",
        "C110",
        "C120",
        "C130",
        "C105",  # hidden likes: last in this order too
    ]
    assert walk(owner_client, sort="date", order="asc", type="clips")[:2] == ["C200", "C201"]
    response = owner_client.get(tab_url(order="up"))
    assert response.status_code == 400 and "Unknown order" in response.content.decode()


def test_the_analytics_blocks_carry_the_charts_data(owner_client, creator) -> None:  # type: ignore[no-untyped-def]
    tab = pages.content_analytics(creator, {})
    # Weekly trend: one bar per ISO week with posts, oldest first.
    assert tab.weekly[0].label == "2026-W02" and tab.weekly[-1].label == "2026-W09"
    assert all(bar.width > 0 for bar in tab.weekly)
    # Reels: 4 with plays and a duration (C200's play count is unknown); the
    # most played is highest, the chart spans the longest duration.
    assert len(tab.dots) == 4
    assert float(max(tab.dots, key=lambda dot: dot.plays).y) == min(
        float(dot.y) for dot in tab.dots
    )
    assert tab.longest == 20.0 and tab.most_plays == 5400
    # Plays per follower: plays / 1,000 followers, best first.
    assert [round(row.plays_per_follower, 1) for row in tab.reels] == [5.4, 5.3, 5.2, 5.1]
    assert tab.median_ppf == pytest.approx(5.25)
    html = owner_client.get(
        reverse("content:analytics", args=["creator"]), headers={"HX-Request": "true"}
    ).content.decode()
    assert html.count("data-dot>") == 4
    assert "5.40\u00d7" in html and "No mentions in the captions" in html


def test_a_post_whose_counts_never_moved_says_since_when(owner_client, creator) -> None:  # type: ignore[no-untyped-def]
    post = Post.objects.get(shortcode="C139")
    url = reverse("content:post", args=["creator", post.pk])
    html = owner_client.get(url).content.decode()
    curve = html.split("data-curve")[1].split("</section>")[0]
    assert "<polyline" not in curve
    assert "data-unchanged" in curve and "Unchanged since" in curve
    assert "49 likes, 3 comments" in curve
    assert "One scrape has seen this post so far" in curve
    # Seen again by a later scrape with the same counts: still flat, and says so.
    later = scrape(creator, day(95), followers=1000)
    store_page(later, part(later), [media(139, day(40), likes=49, comments=3, caption="post 39")])
    curve = owner_client.get(url).content.decode().split("data-curve")[1]
    assert "last checked" in curve and "Every scrape since saw the same counts" in curve
