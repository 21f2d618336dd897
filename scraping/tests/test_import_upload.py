"""The upload on the account page, end to end through the test client
(multipart): imports, inline errors with HTTP 400, the size limit, CSRF."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.http import HttpRequest
from django.test import Client, override_settings

from accounts_app.models import IgUser, TrackedAccount
from accounts_app.tests import factories
from scraping import services
from scraping.imports import Source, uploads
from scraping.models import Direction, Relationship, Scrape
from scraping.tests.import_builders import LAYOUT_2024, export_zip, list_html, list_json, zip_bytes

pytestmark = pytest.mark.django_db

URL = "/accounts/alice/import/"
MB = 1024 * 1024


@pytest.fixture
def owner_client(client: Client) -> Client:
    return factories.logged_in(client)


@pytest.fixture
def alice() -> TrackedAccount:
    return factories.tracked("alice", followers=10, following=5, mutual=3, days=2, churn=1)


def active(direction: int) -> list[str]:
    rows = Relationship.objects.filter(
        target__user__username="alice", direction=direction, ended_by__isnull=True
    )
    return sorted(rows.values_list("user__username", flat=True))


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def rows() -> tuple[int, int, int]:
    return IgUser.objects.count(), Scrape.objects.count(), Relationship.objects.count()


def test_account_page_offers_the_upload(owner_client: Client, alice: TrackedAccount) -> None:
    html = owner_client.get("/accounts/alice/").content.decode()

    assert f'action="{URL}"' in html
    assert 'enctype="multipart/form-data"' in html
    assert re.search(r'<input id="import-files" name="files" type="file" multiple', html)
    assert 'id="import-error"' not in html


def test_zip_upload_becomes_a_scrape_and_shows_its_delta(
    owner_client: Client, alice: TrackedAccount
) -> None:
    followers = active(Direction.FOLLOWER)
    exported = [*followers[2:], "new.fan.1", "new.fan.2", "new.fan.3"]
    data = export_zip([exported], active(Direction.FOLLOWING))

    response = owner_client.post(URL, {"files": upload("instagram-alice.zip", data)}, follow=True)

    assert response.redirect_chain == [("/accounts/alice/", 302)]
    scrape = Scrape.objects.get(source=Scrape.Source.IMPORT)
    assert (scrape.stats.new_followers, scrape.stats.lost_followers) == (3, 2)
    assert (scrape.stats.new_following, scrape.stats.lost_following) == (0, 0)
    assert active(Direction.FOLLOWER) == sorted(exported)
    html = response.content.decode()
    assert f"as scrape #{scrape.pk}: 11 followers (+3 new, \u22122 lost)" in html
    assert 'data-user="new.fan.1"' in html


def test_several_loose_files_upload_together(owner_client: Client, alice: TrackedAccount) -> None:
    files = [
        upload("followers_1.json", list_json(["a.one", "b.two"])),
        upload("followers_2.html", list_html(["c.three"])),
        upload("following.json", list_json(["d.four"], "following", wrapped=True)),
    ]

    response = owner_client.post(URL, {"files": files})

    assert response.status_code == 302
    assert active(Direction.FOLLOWER) == ["a.one", "b.two", "c.three"]
    assert active(Direction.FOLLOWING) == ["d.four"]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([], "Choose the export to import"),
        ([("notes.txt", b"hello")], "notes.txt is not part of an Instagram export"),
        ([("export.zip", b"PK not really")], "export.zip is not a zip archive"),
        (
            [("export.zip", zip_bytes({f"{LAYOUT_2024}close_friends.json": b"[]"}))],
            "No followers or following list in export.zip",
        ),
        (
            [("followers_1.json", b'{"relationships_following": []}')],
            "followers_1.json holds &quot;relationships_following&quot;, not the followers list",
        ),
        (
            [("x.zip", zip_bytes({"../followers_1.json": b"[]"}))],
            "x.zip contains an unsafe file name",
        ),
    ],
)
def test_refused_upload_shows_the_error_inline_with_400_and_writes_nothing(
    owner_client: Client, alice: TrackedAccount, files: list[tuple[str, bytes]], message: str
) -> None:
    before = rows()

    response = owner_client.post(URL, {"files": [upload(n, d) for n, d in files]})

    assert response.status_code == 400
    html = response.content.decode()
    error = re.search(r'<p id="import-error" class="error" role="alert">(.*?)</p>', html, re.S)
    assert error and message in error.group(1)
    assert re.search(r'<details class="[^"]*" id="import" open>', html)
    assert 'aria-invalid="true" aria-describedby="import-error"' in html
    assert "Followers and following over time" in html  # the whole account page
    assert rows() == before


def test_upload_during_an_active_scrape_is_refused(
    owner_client: Client, alice: TrackedAccount
) -> None:
    queued = services.create_scrape("alice")

    response = owner_client.post(URL, {"files": upload("followers_1.json", b"[]")})

    assert response.status_code == 400
    assert f"already has scrape #{queued.pk}" in response.content.decode()
    assert not Scrape.objects.filter(source=Scrape.Source.IMPORT).exists()


@override_settings(IMPORT_MAX_UPLOAD_MB=1)
def test_upload_over_the_limit_is_refused_before_it_is_read(
    owner_client: Client, alice: TrackedAccount
) -> None:
    before = rows()
    data = export_zip([["a.one"]], None) + b"\0" * (2 * MB)  # 2 MB: over the 1 MB limit

    response = owner_client.post(URL, {"files": upload("big.zip", data)})

    assert response.status_code == 400
    assert "The upload is 2 MB; at most 1 MB are accepted" in response.content.decode()
    assert rows() == before


def test_hundred_megabyte_export_uploads(
    owner_client: Client, alice: TrackedAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full export with media: Django streams it to a temporary file; only the
    followers and following files are read."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as export:
        export.writestr(f"{LAYOUT_2024}followers_1.json", list_json(["a.one", "b.two"]))
        export.writestr(f"{LAYOUT_2024}following.json", list_json(["c.three"], "following"))
        media = zipfile.ZipInfo("media/posts/202501/video.mp4")
        export.writestr(media, b"\x01" * (100 * MB), compress_type=zipfile.ZIP_STORED)
    data = buffer.getvalue()
    assert len(data) > 100 * MB
    received = []
    real_sources = uploads.sources

    def recording(request: HttpRequest) -> list[Source]:
        given = real_sources(request)
        received.extend(type(source.stream) for source in given)
        return given

    monkeypatch.setattr(uploads, "sources", recording)

    response = owner_client.post(URL, {"files": upload("instagram-alice.zip", data)})

    assert response.status_code == 302, response.content.decode()[:500]
    assert received == [TemporaryUploadedFile]
    assert active(Direction.FOLLOWER) == ["a.one", "b.two"]
    assert active(Direction.FOLLOWING) == ["c.three"]


def test_upload_needs_the_csrf_token(alice: TrackedAccount) -> None:
    client = factories.logged_in(Client(enforce_csrf_checks=True))
    data = {"files": upload("followers_1.json", list_json(["a.one"]))}

    assert client.post(URL, data).status_code == 403
    assert not Scrape.objects.filter(source=Scrape.Source.IMPORT).exists()

    page = client.get("/accounts/alice/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token
    data = {"csrfmiddlewaretoken": token.group(1), **data}
    data["files"] = upload("followers_1.json", list_json(["a.one"]))
    assert client.post(URL, data).status_code == 302
    assert active(Direction.FOLLOWER) == ["a.one"]


def test_import_is_post_only_and_needs_login(client: Client, alice: TrackedAccount) -> None:
    assert client.post(URL, {}).status_code == 302  # to the login page
    assert factories.logged_in(client).get(URL).status_code == 405
