"""Profile pictures: fetched once from the (simulated) CDN, stored on our disk,
served to logged-in pages; an initial when nothing is cached."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client

from accounts_app import avatars
from accounts_app.tasks import cache_avatars
from accounts_app.tests import factories
from scraping.simulator.server import start_simulator, stop_simulator

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(client: Client) -> Client:
    return factories.logged_in(client)


@pytest.fixture
def media(tmp_path: Path, settings) -> Path:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def cdn() -> Iterator[str]:
    server, base = start_simulator()
    try:
        yield base
    finally:
        stop_simulator(server)


def test_task_stores_each_picture_once(media: Path, cdn: str) -> None:
    user = factories.user("pic", profile_pic_url=f"{cdn}/sim-cdn/v/t51.2885-19/1234_n.jpg?oh=x")
    none = factories.user("nopic")
    assert cache_avatars([user.pk, none.pk]) == 1
    path, content_type = avatars.cached(user.pk)  # type: ignore[misc]
    assert path.is_relative_to(media / "avatars")
    assert content_type == "image/png"  # the simulator's CDN sends PNG
    assert avatars.cached(none.pk) is None
    assert cache_avatars([user.pk]) == 0  # already there: nothing fetched again


def test_what_is_not_a_small_image_is_not_stored(media: Path, cdn: str) -> None:
    user = factories.user("html", profile_pic_url=f"{cdn}/__sim__/")  # JSON, not an image
    gone = factories.user("gone", profile_pic_url="http://127.0.0.1:9/never.jpg")
    assert avatars.cache_avatars([user.pk, gone.pk]) == 0
    assert avatars.store(user.pk, b"\xff\xd8\xff" + b"x" * 10) is not None  # a JPEG is kept


def test_view_serves_the_cached_picture(owner_client: Client, media: Path) -> None:
    user = factories.user("pic")
    avatars.store(user.pk, b"\x89PNG\r\n\x1a\n" + b"data")
    response = owner_client.get(f"/avatars/{user.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")  # type: ignore[attr-defined]
    assert "private" in response["Cache-Control"]


def test_view_draws_an_initial_when_nothing_is_cached(owner_client: Client, media: Path) -> None:
    user = factories.user("zoe")
    response = owner_client.get(f"/avatars/{user.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert ">Z</text>" in response.content.decode()
    assert owner_client.get("/avatars/999999/").status_code == 404


def test_pages_never_link_instagrams_cdn(owner_client: Client, media: Path) -> None:
    factories.tracked("alice", followers=3, following=1, mutual=0, days=1)
    html = owner_client.get("/accounts/alice/").content.decode()
    assert "/avatars/" in html
    assert "cdninstagram" not in html and "sim-cdn" not in html
