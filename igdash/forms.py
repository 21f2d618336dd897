"""The Settings page form: AppSettings with bounds a slider can show."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import forms

from igdash.models import AppSettings

PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


def _slider(low: float, high: float, step: float = 1) -> forms.NumberInput:
    return forms.NumberInput(attrs={"type": "range", "min": low, "max": high, "step": step})


# field: (min, max, step) of its slider; the form refuses values outside.
SLIDERS: dict[str, tuple[float, float, float]] = {
    "web_api_limit": (1, 500, 1),
    "web_api_window_seconds": (60, 3600, 30),
    "graphql_limit": (1, 1000, 1),
    "graphql_window_seconds": (60, 3600, 30),
    "mobile_api_limit": (1, 1000, 1),
    "mobile_api_window_seconds": (60, 7200, 60),
    "jitter_mean_seconds": (0, 60, 0.1),
    "jitter_max_seconds": (0, 300, 1),
    "backoff_base_seconds": (0, 3600, 10),
    "backoff_max_seconds": (0, 86400, 60),
}
SLIDER_GROUPS = [
    ("Web API", ["web_api_limit", "web_api_window_seconds"]),
    ("GraphQL", ["graphql_limit", "graphql_window_seconds"]),
    ("Mobile (private) API", ["mobile_api_limit", "mobile_api_window_seconds"]),
    ("Pauses", ["jitter_mean_seconds", "jitter_max_seconds"]),
    ("Backoff after a refusal", ["backoff_base_seconds", "backoff_max_seconds"]),
]
LABELS = {
    "web_api_limit": "Requests per window",
    "web_api_window_seconds": "Window (seconds)",
    "graphql_limit": "Requests per window",
    "graphql_window_seconds": "Window (seconds)",
    "mobile_api_limit": "Requests per window",
    "mobile_api_window_seconds": "Window (seconds)",
    "jitter_mean_seconds": "Average pause between requests (s)",
    "jitter_max_seconds": "Longest pause (s)",
    "backoff_base_seconds": "First wait (s)",
    "backoff_max_seconds": "Longest wait (s)",
}


class AppSettingsForm(forms.ModelForm):
    class Meta:
        model = AppSettings
        fields = [
            *SLIDERS,
            "proxies",
            "backup_retention_days",
            "refresh_time",
            "refresh_spacing_seconds",
        ]
        labels = {
            **LABELS,
            "proxies": "Proxies",
            "backup_retention_days": "Keep backups for (days)",
            "refresh_time": "Nightly refresh at",
            "refresh_spacing_seconds": "Pause between accounts (s)",
        }
        widgets = {
            "proxies": forms.Textarea(
                attrs={
                    "rows": 4,
                    "spellcheck": "false",
                    "placeholder": "http://user:pass@host:port",
                }
            ),
            "refresh_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "backup_retention_days": forms.NumberInput(attrs={"min": 1, "max": 3650}),
            "refresh_spacing_seconds": forms.NumberInput(attrs={"min": 0, "max": 3600}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, (low, high, step) in SLIDERS.items():
            field = self.fields[name]
            field.widget = _slider(low, high, step)
            field.validators.append(_between(low, high))
        self.fields["refresh_spacing_seconds"].validators.append(_between(0, 3600))

    def clean_proxies(self) -> str:
        lines = [line.strip() for line in self.cleaned_data["proxies"].splitlines()]
        bad = [line for line in lines if line and not _is_proxy(line)]
        if bad:
            raise forms.ValidationError(
                "Not a proxy address: %(bad)s. Use scheme://[user:pass@]host:port with "
                "http, https, socks5 or socks5h.",
                params={"bad": ", ".join(bad[:3])},
            )
        return "\n".join(line for line in lines if line)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        pairs = [
            ("jitter_mean_seconds", "jitter_max_seconds", "the average pause"),
            ("backoff_base_seconds", "backoff_max_seconds", "the first wait"),
        ]
        for low, high, what in pairs:
            if data.get(low) is not None and data.get(high) is not None and data[high] < data[low]:
                self.add_error(high, f"Must be at least {what} ({data[low]:g}).")
        return data

    def slider_groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in SLIDER_GROUPS]


def _between(low: float, high: float) -> Any:
    def check(value: float | None) -> None:
        if value is not None and not low <= value <= high:
            raise forms.ValidationError(f"Choose a value from {low:g} to {high:g}.")

    return check


def _is_proxy(line: str) -> bool:
    try:
        parts = urlsplit(line)
        port = parts.port
    except ValueError:
        return False
    return parts.scheme in PROXY_SCHEMES and bool(parts.hostname) and port is not None
