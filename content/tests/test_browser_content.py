"""The Content tab and a post's page in a real browser at phone, tablet and
desktop widths, light and dark: no sideways scrolling, no console error or
failed request (the `page` fixture), tap targets of 44 px, and the infinite
scroll appending the next posts."""

from __future__ import annotations

import pytest

from content.models import Post
from content.store import finalise, store_page
from content.tests.builders import day, media, part, scrape, target
from igdash.tests.ui import VIEWPORTS, check_layout, log_in, owner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def creator() -> Post:
    """@creator with 40 posts and reels over two months, hidden likes, a
    reel without plays, hashtags, and a reel with three snapshots."""
    account = target("creator", followers=1200)
    scrape(account, day(0), followers=1000)
    runs = [scrape(account, day(70 + n), followers=1200) for n in range(3)]
    items = [
        media(
            300 + n,
            day(n, hour=(7 + n * 5) % 24),
            likes=None if n == 7 else 20 + (n * 37) % 90,
            comments=n % 6,
            plays=None if n % 4 else 3000 + n * 250,
            product_type="clips" if n % 4 == 0 else ("carousel" if n % 5 == 0 else "feed"),
            duration=15.5 + n if n % 4 == 0 else None,
            caption=f"Day {n} by the sea #sunset #travel"
            + (" #longtaggedwordthatgoesonandon" if n % 3 == 0 else "")
            + (" with @harbour.cafe" if n % 2 == 0 else ""),
        )
        for n in range(40)
    ]
    for i, run in enumerate(runs):
        content = part(run)
        items[0] = media(
            300,
            day(0, 7),
            likes=20 + i * 40,
            comments=i,
            plays=3000 + i * 900,
            product_type="clips",
            duration=15.5,
        )
        store_page(run, content, items)
        finalise(run, content)
    return Post.objects.get(ig_pk=300)


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("width,height", VIEWPORTS)
def test_the_content_tab_and_a_post_fit_the_screen(page, live_server, width, height, theme) -> None:  # type: ignore[no-untyped-def]
    owner()
    post = creator()
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, live_server)
    page.evaluate("t => localStorage.setItem('igdash-theme', t)", theme)
    flat = Post.objects.get(ig_pk=301)  # the same counts in all three scrapes
    for name, path in {
        "content": "/accounts/creator/content/",
        "post": f"/accounts/creator/content/posts/{post.pk}/",
        "post-flat": f"/accounts/creator/content/posts/{flat.pk}/",
    }.items():
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.dataset.theme") == theme
        if name == "content":  # the analytics blocks came in after the page
            page.wait_for_selector("[data-analytics]")
            assert page.locator("[data-analytics-slot]").count() == 0
            assert page.locator("[data-duration-chart] [data-dot]").count() == 10
            assert page.locator("[data-mentions]").get_by_text("@harbour.cafe").count() == 1
            assert page.locator("[data-weekly] rect").count() > 1
        if name == "post-flat":
            assert page.locator("[data-unchanged]").is_visible()
        check_layout(page)
        page.screenshot(f"{name}-{width}-{theme}")


def test_the_posts_list_scrolls_on(page, live_server) -> None:  # type: ignore[no-untyped-def]
    owner()
    creator()
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(page, live_server)
    page.goto(f"{live_server.url}/accounts/creator/content/")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-post]").count() == 30
    page.locator("[data-post]").last.scroll_into_view_if_needed()
    page.wait_for_function("document.querySelectorAll('[data-post]').length === 40")
    page.select_option("#posts-type", "clips")
    page.click("text=Apply")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-post]").count() == 10
