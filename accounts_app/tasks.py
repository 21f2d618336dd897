"""Tasks of the identities app: thin, take ids, idempotent."""

from __future__ import annotations

from celery import shared_task

from accounts_app import avatars


@shared_task(name="accounts_app.cache_avatars", expires=3600)
def cache_avatars(user_ids: list[int]) -> int:
    """Fetch the pictures of these IgUser ids that are not cached yet. Running it
    twice fetches nothing the second time."""
    return avatars.cache_avatars(user_ids)
