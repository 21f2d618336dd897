"""Which events a scrape makes: a failed, partial or waiting scrape, and after a
complete one the owner's rules (lost followers, new followers above a count,
watched users). Called by the task notify.scrape_changed, after the scrape's
change committed; every event has a key made from the scrape, so running it
twice records nothing twice."""

from __future__ import annotations

from accounts_app.models import TrackedAccount
from notify import events, text
from notify.models import AccountRule, Event, Kind, WatchedUser
from scraping.models import Direction, Relationship, Scrape

Status = Scrape.Status
FINISHED_OK = (Status.SUCCEEDED, Status.PARTIAL)


def rule_for(account: TrackedAccount) -> AccountRule:
    return AccountRule.objects.filter(account=account).first() or AccountRule(account=account)


def scrape_changed(scrape_id: int, status: str) -> list[Event]:
    """The events of a scrape that reached `status` (nothing if it moved on since)."""
    scrape = Scrape.objects.select_related("target__user").filter(pk=scrape_id).first()
    if scrape is None or scrape.status != status:
        return []
    handle, account, link = scrape.handle, scrape.target, text.scrape_link(scrape_id)
    why = " ".join(scrape.error_message.split())
    if status == Status.FAILED:
        said = f"@{handle}: scrape #{scrape_id} failed: {why}"
        return [
            events.publish(
                f"scrape:{scrape_id}:failed", Kind.SCRAPE_FAILED, said, link, account=account
            )
        ]
    if status == Status.PARTIAL:
        said = f"@{handle}: scrape #{scrape_id} is partial, nobody was marked lost: {why}"
        return [
            events.publish(
                f"scrape:{scrape_id}:partial", Kind.SCRAPE_PARTIAL, said, link, account=account
            )
        ]
    if status == Status.NEEDS_ATTENTION:
        key = f"scrape:{scrape_id}:waiting:{scrape.attempts}:{scrape.error_code}"
        said = f"@{handle}: scrape #{scrape_id} waits for you: {why}"
        return [events.publish(key, Kind.SCRAPE_WAITING, said, link, account=account)]
    if status == Status.SUCCEEDED and account is not None:
        return after_complete(scrape, account)
    return []


def _edges(scrape: Scrape, field: str) -> list[tuple[int, str]]:
    rows = Relationship.objects.filter(
        **{field: scrape}, target_id=scrape.target_id, direction=Direction.FOLLOWER
    )
    return list(rows.order_by("user__username").values_list("user_id", "user__username"))


def _first_complete(scrape: Scrape) -> bool:
    earlier = Scrape.objects.filter(
        target_id=scrape.target_id, status__in=FINISHED_OK, pk__lt=scrape.pk
    )
    return not earlier.exists()


def after_complete(scrape: Scrape, account: TrackedAccount) -> list[Event]:
    rule = rule_for(account)
    lost = _edges(scrape, "ended_by")
    # The first scrape sees every follower for the first time: nobody is "new".
    new = [] if _first_complete(scrape) else _edges(scrape, "first_seen")
    watched = set(WatchedUser.objects.filter(account=account).values_list("user_id", flat=True))
    made = [
        _lost_event(scrape, account, rule, lost, watched),
        _new_event(scrape, account, rule, new),
        _watched_event(scrape, account, rule, lost, new, watched),
    ]
    return [event for event in made if event is not None]


def _lost_event(
    scrape: Scrape,
    account: TrackedAccount,
    rule: AccountRule,
    lost: list[tuple[int, str]],
    watched: set[int],
) -> Event | None:
    if rule.lost == AccountRule.Lost.WATCHED:
        lost = [row for row in lost if row[0] in watched]
    if rule.lost == AccountRule.Lost.OFF or not lost:
        return None
    handle = account.user.username
    said = (
        f"@{handle} lost {text.plural(len(lost), 'follower')}: {text.names([n for _, n in lost])}"
    )
    link = text.account_link(handle, tab="followers", show="lost")
    return events.publish(
        f"scrape:{scrape.pk}:lost", Kind.LOST_FOLLOWERS, said, link, account=account
    )


def _new_event(
    scrape: Scrape, account: TrackedAccount, rule: AccountRule, new: list[tuple[int, str]]
) -> Event | None:
    if rule.new_above is None or len(new) <= rule.new_above:
        return None
    handle = account.user.username
    said = (
        f"@{handle} has {text.plural(len(new), 'new follower')}: {text.names([n for _, n in new])}"
    )
    link = text.account_link(handle, tab="followers", show="new")
    return events.publish(
        f"scrape:{scrape.pk}:new", Kind.NEW_FOLLOWERS, said, link, account=account
    )


def _watched_event(
    scrape: Scrape,
    account: TrackedAccount,
    rule: AccountRule,
    lost: list[tuple[int, str]],
    new: list[tuple[int, str]],
    watched: set[int],
) -> Event | None:
    if not rule.watched or not watched:
        return None
    stopped = [name for pk, name in lost if pk in watched]
    started = [name for pk, name in new if pk in watched]
    if not stopped and not started:
        return None
    handle = account.user.username
    parts = []
    if stopped:
        parts.append(f"{text.names(stopped)} stopped following")
    if started:
        parts.append(f"{text.names(started)} started following")
    said = f"@{handle}: watched {'; '.join(parts)}"
    link = text.account_link(handle, tab="followers")
    return events.publish(f"scrape:{scrape.pk}:watched", Kind.WATCHED, said, link, account=account)
