"""The picture classifier's background job: after a comments scrape (when the
owner switched a provider on), classify the commenters' profile pictures and
keep only bucket counts (AudienceAnalysis). Pictures come from the avatar cache
(accounts_app.avatars: fetched there when missing, never stored anywhere else).

Batches of BATCH commenters, ascending IgUser id: each batch's counts and the
checkpoint (last id, done) are saved in one transaction, so a killed worker's
job resumes after the last saved batch; the progress is done / total."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts_app import avatars
from accounts_app.models import TrackedAccount
from audience import cloud, vision
from audience.models import AudienceAnalysis, Comment

BATCH = 50
SMALL = 5  # buckets under this many people are shown as "<5"
log = logging.getLogger(__name__)


def commenter_ids(target_id: int, after: int = 0) -> list[int]:
    live = Comment.objects.filter(target_id=target_id, removed_by__isnull=True)
    ids = live.filter(author_id__gt=after).values_list("author_id", flat=True).distinct()
    return sorted(ids)


def configured() -> str:
    """The provider that runs now: Face++ when the owner switched it on in
    Settings (with its key), else IGDASH_AUDIENCE_CLASSIFIER (none by default)."""
    return "facepp" if cloud.active() else str(settings.AUDIENCE_CLASSIFIER)


def start(target: TrackedAccount) -> AudienceAnalysis | None:
    """Queue an analysis of `target` with the configured provider (None when
    the classifier is off). The scrape never waits for it."""
    name = configured()
    if name == "none":
        return None
    total = len(commenter_ids(target.pk))
    analysis = AudienceAnalysis.objects.create(target=target, provider=name, total=total)
    from audience.tasks import classify_task

    transaction.on_commit(lambda: classify_task.delay(analysis.pk))
    return analysis


def run(analysis_id: int) -> AudienceAnalysis:
    """Classify from the checkpoint to the end (or until the provider fails)."""
    analysis = AudienceAnalysis.objects.get(pk=analysis_id)
    if analysis.status in (AudienceAnalysis.Status.DONE, AudienceAnalysis.Status.FAILED):
        return analysis
    try:
        provider = vision.provider(analysis.provider, settings.AUDIENCE_VISION_MODEL_DIR)
    except (vision.ProviderUnavailable, ValueError) as exc:
        return _fail(analysis, str(exc))
    if provider is None:
        return _fail(analysis, "The picture classifier is off.")
    AudienceAnalysis.objects.filter(pk=analysis.pk).update(
        status=AudienceAnalysis.Status.RUNNING, version=provider.version
    )
    minimum = float(settings.AUDIENCE_CLASSIFIER_MIN_CONFIDENCE)
    todo = commenter_ids(analysis.target_id, analysis.last_user_id)
    try:
        for start_at in range(0, len(todo), BATCH):
            batch = todo[start_at : start_at + BATCH]
            _classify_batch(analysis, provider, batch, minimum)
    except vision.ProviderFailed as exc:
        # The batches saved so far stay; this one was not saved (its checkpoint).
        return _fail(analysis, str(exc))
    finally:
        close = getattr(provider, "close", None)
        if close is not None:
            close()
    AudienceAnalysis.objects.filter(pk=analysis.pk).update(
        status=AudienceAnalysis.Status.DONE, finished_at=timezone.now()
    )
    analysis.refresh_from_db()
    return analysis


def _classify_batch(
    analysis: AudienceAnalysis, provider: vision.Provider, batch: list[int], minimum: float
) -> None:
    avatars.cache_avatars(batch)
    genders: dict[str, int] = {}
    ages: dict[str, int] = {}
    sample = faces = 0
    for user_id in batch:
        found = avatars.cached(user_id)
        if found is None:
            label = vision.Classification(False, "unknown", "unknown", 0.0)
        else:
            sample += 1
            try:
                label = provider.classify(found[0].read_bytes()).counted(minimum)
            except vision.ProviderFailed:
                raise  # every picture would fail: the analysis stops (run)
            except Exception:  # a picture the model cannot read is unknown
                log.info("picture of user %s not classified", user_id, exc_info=True)
                label = vision.Classification(False, "unknown", "unknown", 0.0)
        faces += int(label.face)
        genders[label.gender] = genders.get(label.gender, 0) + 1
        ages[label.age] = ages.get(label.age, 0) + 1
    with transaction.atomic():
        row = AudienceAnalysis.objects.select_for_update().get(pk=analysis.pk)
        row.gender = _add(row.gender, genders)
        row.age = _add(row.age, ages)
        row.save(update_fields=["gender", "age"])
        AudienceAnalysis.objects.filter(pk=analysis.pk).update(
            done=F("done") + len(batch),
            sample=F("sample") + sample,
            faces=F("faces") + faces,
            last_user_id=batch[-1],
        )


def _add(counts: dict[str, int], more: dict[str, int]) -> dict[str, int]:
    merged = dict(counts)
    for key, value in more.items():
        merged[key] = merged.get(key, 0) + value
    return merged


def _fail(analysis: AudienceAnalysis, reason: str) -> AudienceAnalysis:
    AudienceAnalysis.objects.filter(pk=analysis.pk).update(
        status=AudienceAnalysis.Status.FAILED, error=reason[:255], finished_at=timezone.now()
    )
    analysis.refresh_from_db()
    return analysis


def buckets(counts: dict[str, int], names: tuple[str, ...]) -> list[tuple[str, str, int]]:
    """(bucket, shown count, bar percent): counts under SMALL show as "<5" and
    their bar as 0, so no small group of people can be singled out."""
    total = sum(counts.values()) or 1
    out = []
    for name in names:
        count = int(counts.get(name, 0))
        shown = f"{count:,}" if count >= SMALL else "<5"
        out.append((name, shown, round(100 * count / total) if count >= SMALL else 0))
    return out


def latest(target: TrackedAccount) -> AudienceAnalysis | None:
    return AudienceAnalysis.objects.filter(target=target).order_by("-id").first()
