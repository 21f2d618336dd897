from __future__ import annotations

from celery import shared_task


@shared_task(name="audience.classify_pictures")
def classify_task(analysis_id: int) -> None:
    """The picture classifier's job (audience.classify.run), resumable."""
    from audience import classify

    classify.run(analysis_id)


@shared_task(name="audience.refresh_figures")
def refresh_figures_task(target_id: int) -> None:
    """The Audience tab's figures of an account, computed and stored after a
    scrape of it finished (audience/snapshot.py)."""
    from audience import pages

    pages.refresh_figures(target_id)
