"""The cloud picture classifier (Face++) over real HTTP against a local fake of
its Detect API (facepp_fake): the mapping of its answers, several faces or
none as unknown, pacing and retries, failures as a visible analysis state
whose message never holds the key, the key sealed at rest, and the Settings
section (enabling needs the key, the key is never shown back, the warning)."""

from __future__ import annotations

import logging
import socket
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from accounts_app import avatars, vault
from accounts_app.models import TrackedAccount
from audience import classify, cloud, facepp, vision
from audience.models import AudienceAnalysis, CloudClassifier
from audience.tests.builders import audience_account
from audience.tests.facepp_fake import KEY, SECRET, FakeFacepp, face, fake_facepp

# The fake Face++ server's fixture, used through `fast` below.
assert fake_facepp

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("isolated_vault")]
HX = {"HTTP_HX_REQUEST": "true"}
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def fast(settings: Any, fake_facepp: FakeFacepp) -> FakeFacepp:
    settings.AUDIENCE_FACEPP_URL = fake_facepp.base
    settings.AUDIENCE_FACEPP_INTERVAL = 0.0
    settings.AUDIENCE_FACEPP_TIMEOUT = 5.0
    return fake_facepp


def provider(fake: FakeFacepp, *, key: str = KEY, interval: float = 0.0) -> facepp.FaceppProvider:
    return facepp.FaceppProvider(key, SECRET, base_url=fake.base, timeout=5, interval=interval)


def picture(name: str) -> bytes:
    return PNG + name.encode()


def test_the_answer_maps_to_gender_age_range_and_quality(fast: FakeFacepp) -> None:
    cases = {
        "woman27": ([face("Female", 27, 88.1)], (True, "female", "25-34", 0.881)),
        "boy16": ([face("Male", 16, 75)], (True, "male", "13-17", 0.75)),
        "man19": ([face("Male", 19, 99)], (True, "male", "18-24", 0.99)),
        "woman40": ([face("Female", 40, 90)], (True, "female", "35-44", 0.9)),
        "man50": ([face("Male", 54, 90)], (True, "male", "45-54", 0.9)),
        "woman71": ([face("Female", 71, 90)], (True, "female", "55+", 0.9)),
        "child8": ([face("Female", 8, 90)], (True, "female", "unknown", 0.9)),
        "odd": ([face("Other", 30, 90)], (True, "unknown", "25-34", 0.9)),
    }
    for name, (faces, _) in cases.items():
        fast.faces[picture(name)] = faces
    client = provider(fast)
    for name, (_, (found, gender, age, confidence)) in cases.items():
        label = client.classify(picture(name))
        assert (label.face, label.gender, label.age) == (found, gender, age), name
        assert label.confidence == pytest.approx(confidence), name
    # What went over the wire: the key in the body, never in the URL.
    sent = fast.seen[0]
    assert sent.path == "/facepp/v3/detect" and sent.query == ""
    assert sent.fields["return_attributes"] == "gender,age,facequality"
    assert (sent.fields["api_key"], sent.fields["api_secret"]) == (KEY, SECRET)
    assert sent.image == picture("woman27")


def test_no_face_several_faces_and_low_quality_count_as_unknown(fast: FakeFacepp) -> None:
    fast.faces[picture("pair")] = [face("Female", 25), face("Male", 31)]
    fast.faces[picture("crowd")] = [face("Male", 30)] * 5
    fast.face_num[picture("crowd")] = 12  # Face++ details the 5 largest of 12
    fast.faces[picture("big_only")] = [face("Male", 30)]
    fast.face_num[picture("big_only")] = 3  # one detailed, three found
    fast.faces[picture("blurred")] = [face("Female", 30, quality=35.0)]
    client = provider(fast)
    for name in ("pair", "crowd", "big_only", "logo"):
        label = client.classify(picture(name))
        assert (label.face, label.gender, label.age) == (False, "unknown", "unknown"), name
    blurred = client.classify(picture("blurred"))
    assert blurred.face and blurred.confidence == pytest.approx(0.35)
    assert blurred.counted(0.6) == vision.Classification(True, "unknown", "unknown", 0.35)


def test_requests_are_paced(fast: FakeFacepp) -> None:
    client = provider(fast, interval=0.25)
    for n in range(3):
        client.classify(picture(f"p{n}"))
    gaps = [b.at - a.at for a, b in zip(fast.seen, fast.seen[1:], strict=False)]
    # Arrival times at the fake server: the pace holds between sends, and a
    # loaded machine moves one arrival by tens of milliseconds (a CI run saw a
    # gap under 0.24 s). Unpaced, the three requests arrive milliseconds apart.
    assert len(gaps) == 2 and min(gaps) >= 0.15 and sum(gaps) >= 0.45


def test_too_many_requests_waits_and_tries_again(fast: FakeFacepp) -> None:
    fast.faces[picture("w")] = [face()]
    fast.refuse(403, "CONCURRENCY_LIMIT_EXCEEDED")
    fast.refuse(429, "CONCURRENCY_LIMIT_EXCEEDED", Retry_After="0")
    fast.refuse(502, "INTERNAL_ERROR")
    assert provider(fast).classify(picture("w")).gender == "female"
    assert len(fast.seen) == 4
    fast.refuse(403, "CONCURRENCY_LIMIT_EXCEEDED", times=facepp.RATE_TRIES)
    with pytest.raises(vision.ProviderFailed, match="too many requests"):
        provider(fast).classify(picture("w"))
    fast.refuse(503, "", times=facepp.SERVER_TRIES)
    with pytest.raises(vision.ProviderFailed, match="answered 503: its service has a problem"):
        provider(fast).classify(picture("w"))


def test_one_unreadable_picture_is_unknown_not_a_failure(fast: FakeFacepp) -> None:
    with pytest.raises(facepp.PictureRefused, match="IMAGE_ERROR_UNSUPPORTED_FORMAT"):
        provider(fast).classify(b"BROKEN picture")


def test_a_wrong_base_url_or_no_server_says_so(fast: FakeFacepp) -> None:
    wrong = facepp.FaceppProvider(
        KEY, SECRET, base_url=fast.base + "/nothing", timeout=5, interval=0
    )
    with pytest.raises(vision.ProviderFailed, match=r"answered 404.*IGDASH_AUDIENCE_FACEPP_URL"):
        wrong.classify(picture("x"))
    with socket.socket() as free:  # a port nobody listens on
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    gone = facepp.FaceppProvider(
        KEY, SECRET, base_url=f"http://127.0.0.1:{port}", timeout=2, interval=0
    )
    with pytest.raises(vision.ProviderFailed, match=r"cannot reach Face\+\+") as failed:
        gone.classify(picture("x"))
    assert KEY not in str(failed.value) and SECRET not in str(failed.value)


def _commenters_with_pictures(fake: FakeFacepp, tmp_path: Path, settings: Any) -> TrackedAccount:
    """Eight commenters whose pictures are in the avatar cache, with their answers."""
    settings.MEDIA_ROOT = str(tmp_path)
    audience_account(commenters=8)
    target = TrackedAccount.objects.get(user__username="creator")
    answers = [
        [face("Female", 27)],
        [face("Female", 29)],
        [face("Male", 33)],
        [face("Female", 22, quality=20)],
        [face("Male", 41), face("Female", 40)],
        [],
        [face("Female", 30)],
        [face("Female", 26)],
    ]
    for user_id, faces in zip(classify.commenter_ids(target.pk), answers, strict=True):
        image = picture(f"user{user_id}")
        avatars.store(user_id, image)
        fake.faces[image] = faces
    return target


def test_an_analysis_with_face_pp_keeps_bucket_counts(
    fast: FakeFacepp, tmp_path: Path, settings: Any
) -> None:
    target = _commenters_with_pictures(fast, tmp_path, settings)
    cloud.save(enabled=True, api_key=KEY, api_secret=SECRET)
    assert classify.configured() == "facepp"
    analysis = classify.start(target)
    assert analysis is not None and analysis.provider == "facepp"
    done = classify.run(analysis.pk)
    assert done.status == AudienceAnalysis.Status.DONE, done.error
    assert (done.version, done.sample, done.done, done.faces) == ("v3", 8, 8, 6)
    assert done.gender == {"female": 4, "male": 1, "unknown": 3}
    assert done.age == {"25-34": 5, "unknown": 3}
    assert len(fast.seen) == 8
    page = _owner_client().get("/accounts/creator/audience/").content.decode()
    assert "8 pictures of 8 commenters" in page
    assert ">Gender</h3>" in page and "data-classifier-buckets" in page


def test_a_refused_key_fails_the_analysis_with_a_message_without_the_key(
    fast: FakeFacepp, tmp_path: Path, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    target = _commenters_with_pictures(fast, tmp_path, settings)
    wrong = "fpk_wrong_key_0000"
    cloud.save(enabled=True, api_key=wrong, api_secret=SECRET)
    caplog.set_level(logging.DEBUG)
    analysis = classify.start(target)
    assert analysis is not None
    done = classify.run(analysis.pk)
    assert done.status == AudienceAnalysis.Status.FAILED
    assert "Face++ refused the API key and secret (401 AUTHENTICATION_ERROR)" in done.error
    assert done.done == 0  # the batch was not counted
    assert wrong not in done.error and SECRET not in done.error
    assert wrong not in caplog.text and SECRET not in caplog.text
    # The tab shows the failure as a state, not a stack trace.
    page = _owner_client().get("/accounts/creator/audience/").content.decode()
    assert "Face++ refused the API key and secret" in page and wrong not in page
    # No picture was classified: no gender and age table of "<5" rows that
    # reads as figures (it showed female <5, male <5... for 0 pictures).
    assert "0 pictures of 8 commenters" in page
    assert ">Gender</h3>" not in page and "data-classifier-buckets" not in page


def test_a_switched_off_or_keyless_provider_fails_with_the_reason() -> None:
    audience_account(commenters=3)
    target = TrackedAccount.objects.get(user__username="creator")
    analysis = AudienceAnalysis.objects.create(target=target, provider="facepp")
    assert "has no API key" in classify.run(analysis.pk).error
    cloud.save(enabled=False, api_key=KEY, api_secret=SECRET)
    assert classify.configured() == "none"
    analysis = AudienceAnalysis.objects.create(target=target, provider="facepp")
    assert "switched off in Settings" in classify.run(analysis.pk).error


def _owner_client() -> Client:
    from django.contrib.auth.models import User

    user = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser(
        "boss", "boss@example.com", "pw-long-enough-123"
    )
    client = Client()
    client.force_login(user)
    return client


def _raw_database_bytes() -> bytes:
    """Every value of the classifier's table as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM audience_cloudclassifier")
        rows = cursor.fetchall()
    return b"".join(
        bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode() for r in rows for v in r
    )


def test_settings_enabling_needs_the_key_which_is_sealed_and_never_shown(
    admin_client: Client,
) -> None:
    page = admin_client.get("/settings/").content.decode()
    assert "Profile pictures leave this machine" in page  # shown before enabling
    assert "What runs where" in page and "sent to Face++" in page
    assert 'data-picture-classifier="none"' in page and 'placeholder="not set"' in page

    url = "/settings/picture-classifier/"
    refused = admin_client.post(url, {"enabled": "on"}, **HX)
    assert refused.status_code == 200  # htmx swaps in the section with the error
    assert 'aria-invalid="true"' in refused.content.decode()
    assert "Switching Face++ on needs its API key and secret." in refused.content.decode()
    assert not CloudClassifier.objects.exists()
    half = admin_client.post(url, {"enabled": "on", "api_key": KEY}, **HX)
    assert KEY not in half.content.decode()
    assert "Give the API secret with the API key." in half.content.decode()

    saved = admin_client.post(url, {"enabled": "on", "api_key": KEY, "api_secret": SECRET}, **HX)
    html = saved.content.decode()
    assert saved.status_code == 200 and "Face++ is on" in html
    assert KEY not in html and SECRET not in html and 'placeholder="saved"' in html
    assert classify.configured() == "facepp"
    # Sealed at rest: neither the key nor the secret in the database in clear.
    raw = _raw_database_bytes()
    assert KEY.encode() not in raw and SECRET.encode() not in raw
    assert cloud.credentials() == (KEY, SECRET)
    row = CloudClassifier.objects.get()
    with pytest.raises(vault.VaultError):  # bound to its row and purpose
        vault.open_("channel:1:url", row.key_enc)

    page = admin_client.get("/settings/").content.decode()
    assert KEY not in page and SECRET not in page and 'placeholder="saved"' in page
    assert 'data-picture-classifier="facepp"' in page and "Face++ (cloud)" in page
    admin_page = admin_client.get("/admin/").content.decode()
    assert KEY not in admin_page

    # Off keeps the key; on again without typing it works; forget deletes it.
    off = admin_client.post(url, {}, **HX).content.decode()
    assert "Face++ is off: no picture leaves this machine. Its key stays saved." in off
    assert classify.configured() == "none"
    assert "Face++ is on" in admin_client.post(url, {"enabled": "on"}, **HX).content.decode()
    forgot = admin_client.post("/settings/picture-classifier/forget/", **HX).content.decode()
    assert "Face++ is off and its key is deleted." in forgot
    assert not CloudClassifier.objects.exists() and classify.configured() == "none"


def test_without_javascript_the_form_goes_back_to_the_page(admin_client: Client) -> None:
    answer = admin_client.post("/settings/picture-classifier/", {"enabled": "on"})
    assert answer.status_code == 302 and answer["Location"].endswith("#picture-classifier")
    page = admin_client.get("/settings/").content.decode()
    assert "Face++ was not saved: Switching Face++ on needs its API key and secret." in page


def test_a_locked_vault_refuses_the_key_and_says_so(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def locked(*args: object) -> bytes:
        raise vault.VaultLocked()

    monkeypatch.setattr(vault, "seal", locked)
    data = {"enabled": "on", "api_key": KEY, "api_secret": SECRET}
    answer = admin_client.post("/settings/picture-classifier/", data, **HX)
    assert "The key was not saved: igdash is locked" in answer.content.decode()
    assert not CloudClassifier.objects.exists()


def test_a_viewer_cannot_switch_it_on(client: Client) -> None:
    from django.contrib.auth.models import Group, User

    viewer = User.objects.create_user("viewer", password="pw-long-enough-123")
    viewer.groups.add(Group.objects.get(name="viewers"))
    client.force_login(viewer)
    data = {"enabled": "on", "api_key": KEY, "api_secret": SECRET}
    assert client.post("/settings/picture-classifier/", data).status_code == 403
    assert not CloudClassifier.objects.exists()
