"""The account page's content export links in a real browser: phone, tablet and
desktop, light and dark; they fit, are tall enough to tap, and download."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from accounts_app.tests import factories
from content import stored
from content.models import Post, PostMetrics, PostTag, TagKind
from igdash.tests.ui import VIEWPORTS, check_layout, log_in, owner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("width,height", VIEWPORTS)
def test_content_export_links_fit_and_download(  # type: ignore[no-untyped-def]
    page, live_server, width, height, theme
) -> None:
    owner()
    alice = factories.tracked("alice", followers=60, following=20, days=2)
    post = Post.objects.create(
        target=alice,
        ig_pk=3799713476253716676,
        shortcode="DS7S0ZgXhDE",
        product_type="clips",
        media_type=2,
        taken_at=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        caption="Golden hour #sunset with @bob",
        duration=12.5,
        first_seen_id=alice.last_scrape_id,
    )
    PostMetrics.objects.create(post=post, likes=None, comments=4, first_seen_id=post.first_seen_id)
    # What content.store writes beside a listed post: its tags, then the stored figures.
    PostTag.objects.create(post=post, target=alice, kind=TagKind.HASHTAG, tag="sunset")
    PostTag.objects.create(post=post, target=alice, kind=TagKind.MENTION, tag="bob")
    stored.refresh(alice.pk)
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, live_server)
    page.evaluate("t => localStorage.setItem('igdash-theme', t)", theme)
    page.goto(f"{live_server.url}/accounts/alice/")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.dataset.theme") == theme
    links = page.get_by_role("list", name="Content exports").get_by_role("link")
    assert links.all_inner_texts() == [
        "Posts CSV",
        "Posts XLSX",
        "Posts JSON",
        "Hashtags CSV",
        "Hashtags XLSX",
        "Hashtags JSON",
    ]
    check_layout(page)
    page.screenshot(f"account-content-exports-{width}-{theme}")
    with page.expect_download() as download:
        links.first.click()
    saved = download.value
    assert saved.suggested_filename.startswith("igdash_alice_posts_")
    lines = Path(saved.path()).read_text(encoding="utf-8-sig").splitlines()
    assert lines[1] == (
        "3799713476253716676,DS7S0ZgXhDE,https://www.instagram.com/reel/DS7S0ZgXhDE/,clips,"
        "2026-01-02T03:04:05Z,Golden hour #sunset with @bob,sunset,bob,12.5,,4,,,,"
    )
