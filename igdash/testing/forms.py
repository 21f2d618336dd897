"""The Settings page's form as a browser posts it, for tests that save it."""

from __future__ import annotations


def settings_form(**changes: object) -> dict[str, object]:
    """Every field of the Settings form at its default, with `changes` applied."""
    data: dict[str, object] = {
        "web_api_limit": 75, "web_api_window_seconds": 660, "graphql_limit": 200,
        "graphql_window_seconds": 660, "mobile_api_limit": 199, "mobile_api_window_seconds": 1800,
        "jitter_mean_seconds": 1.7, "jitter_max_seconds": 15, "backoff_base_seconds": 60,
        "backoff_max_seconds": 3600, "proxies": "", "backup_retention_days": 14,
        "refresh_time": "02:00", "refresh_spacing_seconds": 300,
    }  # fmt: skip
    data.update(changes)
    return data
