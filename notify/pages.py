"""What the Settings section and the bell show (the views are in views.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from accounts_app import vault
from accounts_app.models import TrackedAccount
from notify.forms import ChannelForm, RuleForm
from notify.models import AccountRule, Channel, Event, Kind

RECENT_EVENTS = 15


@dataclass(frozen=True)
class RuleRow:
    account: TrackedAccount
    form: RuleForm
    summary: str


def _summary(rule: AccountRule) -> str:
    parts = [f"lost: {rule.get_lost_display().lower()}"]
    if rule.new_above is not None:
        parts.append(f"new above {rule.new_above}")
    if rule.watched:
        parts.append("watched users")
    if rule.digest != AccountRule.Digest.OFF:
        parts.append(f"{rule.get_digest_display().lower()} digest")
    return ", ".join(parts)


def rule_rows() -> list[RuleRow]:
    rules = {rule.account_id: rule for rule in AccountRule.objects.all()}
    rows = []
    for account in TrackedAccount.objects.select_related("user").order_by("user__username"):
        rule = rules.get(account.pk) or AccountRule(account=account)
        rows.append(
            RuleRow(account, RuleForm(instance=rule, prefix=f"r{account.pk}"), _summary(rule))
        )
    return rows


def channels_context(
    *, form: ChannelForm | None = None, notice: str = "", error: str = ""
) -> dict[str, Any]:
    kinds = dict(Kind.choices)
    channels = list(Channel.objects.all())
    return {
        "channels": [(c, [kinds.get(k, k) for k in c.kinds]) for c in channels],
        "channel_form": form or ChannelForm(),
        "channels_notice": notice,
        "channels_error": error,
        "vault_locked": vault.passphrase_mode() and vault.is_locked(),
        "rule_rows": rule_rows(),
    }


def bell_context() -> dict[str, Any]:
    return {
        "events": list(Event.objects.select_related("account__user")[:RECENT_EVENTS]),
        "notify_unread": Event.objects.filter(read=False).count(),
    }
