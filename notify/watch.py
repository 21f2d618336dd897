"""The watch list: users the owner marks on an account's follower list (the
eye on each row) to be told when they stop or start following it."""

from __future__ import annotations

from accounts_app.models import IgUser, TrackedAccount
from notify.models import WatchedUser


def watched_ids(account: TrackedAccount) -> set[int]:
    return set(WatchedUser.objects.filter(account=account).values_list("user_id", flat=True))


def toggle(account: TrackedAccount, user: IgUser) -> bool:
    """Watch the user, or stop watching; True when watched now."""
    deleted, _ = WatchedUser.objects.filter(account=account, user=user).delete()
    if deleted:
        return False
    WatchedUser.objects.get_or_create(account=account, user=user)
    return True
