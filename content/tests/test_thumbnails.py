"""Post thumbnails: fetched once from the (simulated) CDN, kept on our disk."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from content import thumbnails
from content.models import Post
from content.store import store_page
from content.tests.builders import day, media, part, scrape, target
from scraping.simulator.server import start_simulator, stop_simulator

pytestmark = pytest.mark.django_db


@pytest.fixture
def cdn() -> Iterator[str]:
    server, base = start_simulator()
    try:
        yield base
    finally:
        stop_simulator(server)


def test_thumbnails_are_cached_once_and_only_when_images(
    tmp_path: Path, settings, cdn: str, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    account = target()
    run = scrape(account, day(5))
    store_page(run, part(run), [media(1, day(1)), media(2, day(2)), media(3, day(3))])
    urls = {
        1: f"{cdn}/sim-cdn/v/t51.2885-15/1_n.jpg?oh=x",
        2: f"{cdn}/__sim__/",  # JSON, not an image
        3: "http://127.0.0.1:9/never.jpg",
    }
    for pk, url in urls.items():
        Post.objects.filter(ig_pk=pk).update(thumbnail_url=url)
    ids = list(Post.objects.order_by("ig_pk").values_list("id", flat=True))

    with django_assert_max_num_queries(2):
        assert thumbnails.cache_thumbnails(ids) == 1
    post = Post.objects.get(ig_pk=1)
    path, content_type = thumbnails.cached(post)  # type: ignore[misc]
    assert path.is_relative_to(tmp_path / "thumbnails") and path.read_bytes()
    assert content_type == "image/png"  # the simulator's CDN sends PNG
    assert post.thumbnail == f"thumbnails/{post.pk % 256:02x}/{post.pk}.png"
    assert thumbnails.cached(Post.objects.get(ig_pk=2)) is None
    assert thumbnails.cache_thumbnails(ids) == 0  # cached already: not fetched again

    # A later page keeps the cached copy while the signed URL changes.
    later = scrape(account, day(6))
    store_page(later, part(later), [media(1, day(1))])
    again = Post.objects.get(ig_pk=1)
    assert again.thumbnail_url == "https://cdn.example/1.jpg"
    assert again.thumbnail == post.thumbnail
