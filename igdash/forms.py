"""The Settings page forms: AppSettings with bounds a slider can show, and the
Instagram logins (add one, enter a two-factor code)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from accounts_app import proxies, vault
from core.models import AppSettings
from scraping.handles import InvalidHandle, parse_handle

PROXY_SCHEMES = proxies.PROXY_SCHEMES


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
    """The proxies are sealed (accounts_app/proxies.py): the textarea shows them
    masked, and a masked line sent back keeps the stored proxy it stands for."""

    proxies = forms.CharField(
        label="Proxies",
        required=False,
        help_text=(
            "One proxy URL per line, rotated between logins and retries. A stored user and "
            "password show as ***; leave such a line as it is to keep them."
        ),
        widget=forms.Textarea(
            attrs={"rows": 4, "spellcheck": "false", "placeholder": "http://user:pass@host:port"}
        ),
    )

    class Meta:
        model = AppSettings
        fields = [
            *SLIDERS,
            "backup_retention_days",
            "refresh_time",
            "refresh_spacing_seconds",
            "fetch_play_counts",
        ]
        labels = {
            **LABELS,
            "fetch_play_counts": "Fetch missing play counts",
            "backup_retention_days": "Keep backups for (days)",
            "refresh_time": "Nightly refresh at",
            "refresh_spacing_seconds": "Pause between accounts (s)",
        }
        widgets = {
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
        self.initial["proxies"] = self.instance.proxies_hint
        # The scheduler runs in IGDASH_TIME_ZONE, which need not be the browser's.
        self.fields["refresh_time"].label = f"Nightly refresh at ({settings.TIME_ZONE} time)"
        # The model's help says "Local time", which a phone reads as its own zone.
        self.fields["refresh_time"].help_text = (
            "Bookmarked accounts are refreshed every night at this time in "
            f"{settings.TIME_ZONE} (IGDASH_TIME_ZONE), whatever this device's zone."
        )

    def clean_proxies(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["proxies"].splitlines()]
        lines = [line for line in lines if line]
        stored: list[str] = []
        if any(proxies.is_masked(line) for line in lines):
            try:
                stored = proxies.proxy_list(self.instance)
            except vault.VaultError as exc:
                raise forms.ValidationError(str(exc)) from None
        addresses, unmatched = proxies.keep_masked(lines, stored)
        if unmatched:
            raise forms.ValidationError(
                "No stored proxy matches %(lines)s: *** stands for a stored user and password, "
                "so type its address again with them.",
                params={"lines": ", ".join(unmatched[:3])},
            )
        bad = [proxies.mask(line) for line in addresses if not _is_proxy(line)]
        if bad:
            raise forms.ValidationError(
                "Not a proxy address: %(bad)s. Use scheme://[user:pass@]host:port with "
                "http, https, socks5 or socks5h.",
                params={"bad": ", ".join(bad[:3])},
            )
        return addresses

    def shown_proxies(self) -> str:
        """What the textarea shows: the stored proxies, or what was sent, masked
        either way (a refused form never echoes a proxy's password)."""
        if not self.is_bound:
            return self.instance.proxies_hint
        sent = str(self.data.get(self.add_prefix("proxies"), ""))
        return "\n".join(proxies.mask(line) for line in sent.splitlines())

    def save(self, commit: bool = True) -> AppSettings:
        saved = super().save(commit=False)
        proxies.set_proxy_list(saved, self.cleaned_data["proxies"])
        if commit:
            saved.save()
        return saved

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
        """The sliders by group; each carries `override`, the `VARIABLE=value`
        of the environment that wins over it ("" when the slider rules)."""
        from scraping.ratelimit import overridden_sliders

        overrides = overridden_sliders()
        groups = []
        for title, names in SLIDER_GROUPS:
            fields = []
            for name in names:
                bound = self[name]
                bound.override = overrides.get(name, "")  # type: ignore[attr-defined]  # read by the template
                fields.append(bound)
            groups.append((title, fields))
        return groups

    @staticmethod
    def rate_limits_off() -> bool:
        return not settings.RATE_LIMITS


def _between(low: float, high: float) -> Any:
    def check(value: float | None) -> None:
        if value is not None and not low <= value <= high:
            raise forms.ValidationError(f"Choose a value from {low:g} to {high:g}.")

    return check


def _is_proxy(line: str) -> bool:
    return proxies.is_proxy_address(line)


class InstagramLoginForm(forms.Form):
    """Add (or replace the secret of) an Instagram login. The secret fields are
    never rendered with a value: a refused form comes back without them."""

    METHODS = [("password", "Password"), ("sessionid", "Session cookie")]

    username = forms.CharField(
        label="Instagram username",
        # No max_length: its "at most 300 characters" would stand in for the handle
        # rule (1-30 characters, ...) that parse_handle gives every bad handle.
        error_messages={"required": "Enter the Instagram username of the login."},
    )
    method = forms.ChoiceField(
        label="Log in with", choices=METHODS, initial="password", widget=forms.RadioSelect
    )
    password = forms.CharField(label="Password", required=False, strip=False)
    sessionid = forms.CharField(
        label="Session cookie (sessionid)",
        required=False,
        help_text=(
            "From a browser logged in to instagram.com: developer tools, Application, Cookies, "
            "the value of sessionid."
        ),
    )
    proxy = forms.CharField(
        label="Proxy (optional)",
        required=False,
        max_length=500,
        help_text="scheme://[user:pass@]host:port. Blank: the proxy list of these settings.",
    )

    def clean_username(self) -> str:
        try:
            return parse_handle(self.cleaned_data["username"])
        except InvalidHandle as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_sessionid(self) -> str:
        # A pasted "sessionid=...;" cookie line works as well as the bare value.
        value = self.cleaned_data["sessionid"].strip().removeprefix("sessionid=")
        return value.split(";", 1)[0].strip()

    def clean_proxy(self) -> str:
        proxy = self.cleaned_data["proxy"].strip()
        if proxy and not _is_proxy(proxy):
            raise forms.ValidationError(
                "Not a proxy address. Use scheme://[user:pass@]host:port with http, https, "
                "socks5 or socks5h."
            )
        if proxies.is_masked(proxy):
            raise forms.ValidationError("Type the proxy's own user and password, not ***.")
        return proxy

    def shown_proxy(self) -> str:
        """A refused form gives the proxy back only if it holds no credentials:
        those are typed again, like the password."""
        typed = str(self.data.get(self.add_prefix("proxy"), "")) if self.is_bound else ""
        return "" if proxies.has_credentials(typed) else typed

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        method = data.get("method")
        if method and not data.get(method):
            what = "password" if method == "password" else "sessionid cookie"
            self.add_error(method, f"Enter the {what} of the login.")
        return data

    def secrets(self) -> dict[str, str]:
        """The one secret chosen, as logins.store_login takes it."""
        method = self.cleaned_data["method"]
        return {method: self.cleaned_data[method]}


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(
        label="Two-factor code",
        max_length=20,
        error_messages={"required": "Enter the code Instagram sent you."},
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not code.isdigit() or not 6 <= len(code) <= 8:
            raise forms.ValidationError(
                "The code is the 6 digits from your authenticator app or text message "
                "(or an 8-digit backup code)."
            )
        return code
