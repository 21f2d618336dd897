"""The Settings forms of notify: a new channel, and an account's rules."""

from __future__ import annotations

from typing import Any

from django import forms

from notify.models import AccountRule, Kind


class ChannelForm(forms.Form):
    name = forms.CharField(max_length=60, help_text="Yours, to tell channels apart: “Phone”.")
    url = forms.CharField(
        label="Apprise URL",
        max_length=2000,
        help_text="For example ntfy://topic, tgram://bottoken/chatid, discord://id/token, "
        "mailtos://user:pass@host. Stored encrypted; shown again only as its service.",
    )
    quiet_start = forms.TimeField(required=False, label="Quiet from")
    quiet_end = forms.TimeField(required=False, label="until")
    kinds = forms.MultipleChoiceField(
        choices=Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Events",
        help_text="None ticked: every event.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("quiet_start") is None) != (data.get("quiet_end") is None):
            self.add_error("quiet_end", "Give both ends of the quiet hours, or neither.")
        return data


class RuleForm(forms.ModelForm):
    class Meta:
        model = AccountRule
        fields = ["lost", "new_above", "watched", "digest"]
        labels = {
            "lost": "Lost followers",
            "new_above": "New followers, when more than",
            "watched": "Watched users who stop or start following",
            "digest": "Digest",
        }
        widgets = {"new_above": forms.NumberInput(attrs={"min": 0, "placeholder": "off"})}
