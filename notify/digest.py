"""The daily or weekly digest of an account: followers, new and lost with names
(the first 20 and a link), and the top post of the week when content analytics
has listed the account's posts."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accounts_app.models import TrackedAccount
from content.analytics import post_rates, top_content
from notify import events, text
from notify.models import AccountRule, Event, Kind
from scraping.models import Direction, Relationship, Scrape

WEEKLY_ON = 0  # Monday


def _names(account: TrackedAccount, since: dt.datetime, field: str) -> list[str]:
    first = (
        Scrape.objects.filter(target=account, stats__isnull=False).order_by("pk").values("pk")[:1]
    )
    rows = Relationship.objects.filter(
        target=account, direction=Direction.FOLLOWER, **{f"{field}__finished_at__gte": since}
    )
    if field == "first_seen":
        rows = rows.exclude(first_seen__in=first)  # everyone is "new" at the first scrape
    return list(rows.order_by("user__username").values_list("user__username", flat=True))


def top_post(account: TrackedAccount, since: dt.datetime) -> str:
    week = [rate for rate in post_rates(account.pk) if rate.taken_at >= since]
    best = top_content(week, by="rate", limit=1) or top_content(week, by="likes", limit=1)
    if not best:
        return ""
    post = best[0]
    likes = f"{post.likes:,} likes" if post.likes is not None else "likes unknown"
    rate = f", {post.rate:.1f}% engagement" if post.rate is not None else ""  # a percentage
    return f"Top post of the week: instagram.com/p/{post.shortcode}/ ({likes}{rate})."


def build(account: TrackedAccount, period: str, now: dt.datetime) -> str:
    days = 7 if period == AccountRule.Digest.WEEKLY else 1
    since = now - dt.timedelta(days=days)
    new, lost = _names(account, since, "first_seen"), _names(account, since, "ended_by")
    handle = account.user.username
    count = f"{account.follower_count:,}" if account.follower_count is not None else "unknown"
    lines = [
        f"@{handle} {period} digest: {count} followers, +{len(new)} -{len(lost)}"
        f" in the last {text.plural(days, 'day')}."
    ]
    if new:
        lines.append(f"New: {text.names(new)}.")
    if lost:
        lines.append(f"Lost: {text.names(lost)}.")
    best = top_post(
        account, dt.datetime.combine(now.date(), dt.time(), now.tzinfo) - dt.timedelta(days=7)
    )
    if best:
        lines.append(best)
    return "\n".join(lines)


def send_due(now: dt.datetime | None = None) -> list[Event]:
    now = timezone.localtime(now or timezone.now())
    made = []
    wanted = AccountRule.objects.exclude(digest=AccountRule.Digest.OFF).select_related(
        "account__user"
    )
    for rule in wanted:
        if rule.digest == AccountRule.Digest.WEEKLY and now.weekday() != WEEKLY_ON:
            continue
        account = rule.account
        key = f"digest:{account.pk}:{rule.digest}:{now:%Y-%m-%d}"
        link = text.account_link(account.user.username, tab="followers")
        made.append(
            events.publish(
                key, Kind.DIGEST, build(account, rule.digest, now), link, account=account
            )
        )
    return made
