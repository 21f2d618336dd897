"""The Accounts page: tracked accounts, searched and paged, bookmarked for the
nightly refresh, deleted."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404

from accounts_app.models import TrackedAccount
from accounts_app.search import clean_term
from igdash.keyset import Page, by_field
from scraping.models import Scrape

PAGE_SIZE = 30


class CannotDelete(Exception):
    """Deleting now would pull the rows from under a running scrape."""


def get_target(username: str) -> TrackedAccount:
    """The tracked account named `username` (the newest, if a reused name is
    tracked twice), or 404."""
    target = (
        TrackedAccount.objects.select_related("user", "last_scrape")
        .filter(user__username=username.lower())
        .order_by("-id")
        .first()
    )
    if target is None:
        raise Http404(f"@{username} is not tracked.")
    return target


def tracked_accounts(term: str) -> QuerySet[TrackedAccount]:
    # The owner tracks tens or hundreds of accounts, not millions: a plain
    # LIKE is fine here; the FTS table is for the users they collect.
    qs = TrackedAccount.objects.select_related("user", "last_scrape")
    if term:
        qs = qs.filter(Q(user__username__icontains=term) | Q(user__full_name__icontains=term))
    return qs


def list_page(params: Any) -> tuple[str, Page[TrackedAccount]]:
    term = clean_term(params.get("q"))
    return term, by_field(tracked_accounts(term), "user__username", params.get("cursor"), PAGE_SIZE)


def set_bookmark(target: TrackedAccount, bookmarked: bool) -> TrackedAccount:
    TrackedAccount.objects.filter(pk=target.pk).update(bookmarked=bookmarked)
    target.bookmarked = bookmarked
    return target


def delete_account(target: TrackedAccount) -> None:
    """Forget the account and its whole history. The users it collected stay:
    other tracked accounts may share them."""
    with transaction.atomic():
        if Scrape.objects.filter(target=target, status__in=Scrape.ACTIVE_STATUSES).exists():
            raise CannotDelete(
                f"@{target.user.username} has a scrape in progress: cancel it first."
            )
        target.delete()
