"""Hostile input on content's pages: a post number beyond SQLite's integers and
a thumbnail path that points out of MEDIA_ROOT are refused, never a 500 and
never a file of the disk."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from content import services
from content.models import ContentPart, Post
from content.store import finalise, store_page
from content.tests.builders import day, media, part, scrape, target

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def owner_client(client: Client) -> Client:
    client.force_login(User.objects.create_superuser("owner", "", "pw"))
    return client


@pytest.fixture
def post() -> Post:
    account = target("creator", followers=1000)
    run = scrape(account, day(1), followers=1000)
    content = part(run)
    store_page(run, content, [media(100, day(1), likes=10, comments=1, caption="one")])
    finalise(run, content)
    return Post.objects.get(target=account)


def test_a_post_number_beyond_64_bits_is_not_found(owner_client, post) -> None:  # type: ignore[no-untyped-def]
    for number in (2**63, 10**20):
        url = reverse("content:post", args=["creator", number])
        assert owner_client.get(url).status_code == 404
        assert owner_client.get(reverse("content:thumbnail", args=[number])).status_code == 404


@pytest.mark.parametrize("escape", ["../outside.png", "ABSOLUTE", "LINK"])
def test_a_thumbnail_path_out_of_media_root_is_not_served(  # type: ignore[no-untyped-def]
    owner_client, post, settings, tmp_path, escape
) -> None:
    media_root = tmp_path / "media"
    (media_root / "thumbnails").mkdir(parents=True)
    settings.MEDIA_ROOT = str(media_root)
    outside = tmp_path / "outside.png"
    outside.write_bytes(PNG)
    if escape == "ABSOLUTE":
        escape = str(outside)
    elif escape == "LINK":
        Path(media_root / "thumbnails" / "1.png").symlink_to(outside)
        escape = "thumbnails/1.png"
    Post.objects.filter(pk=post.pk).update(thumbnail=escape)
    response = owner_client.get(reverse("content:thumbnail", args=[post.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"  # the placeholder, not the file


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "America/Los_Angeles"])
def test_posts_since_year_one_are_stored_in_any_time_zone(settings, zone) -> None:  # type: ignore[no-untyped-def]
    # Midnight of 0001-01-01 east of UTC is in year 0 in UTC: the database
    # write overflowed (a 500 in the scrape modal). No post predates Instagram.
    settings.TIME_ZONE = zone
    account = target("creator", followers=1000)
    with timezone.override(zone):
        mode, _, start = services.content_options(None, dt.date(1, 1, 1))
        run = scrape(account, day(1), followers=1000)
        part = ContentPart.objects.create(scrape=run, mode=mode, since=start)
    assert part.since is not None and part.since.year >= 2010
