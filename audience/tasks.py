from __future__ import annotations

from celery import shared_task


@shared_task(name="audience.classify_pictures")
def classify_task(analysis_id: int) -> None:
    """The picture classifier's job (audience.classify.run), resumable."""
    from audience import classify

    classify.run(analysis_id)
