"""Per-target scenarios switched at run time through /__sim__/scenarios/<username>."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def _count(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError("expected a whole number >= 0")
    return value


def _choice(*options: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in options:
            raise ValueError(f"expected one of {', '.join(options)}")
        return str(value)

    return check


def _rate_limit(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError('expected {"after": N, "for": K|null, "retry_after": S|null}')
    unknown = set(value) - {"after", "for", "retry_after", "status", "body"}
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)}")
    retry_after = value.get("retry_after")
    if retry_after is not None and (not isinstance(retry_after, int | float) or retry_after < 0):
        raise ValueError("retry_after must be seconds >= 0 or null")
    limit_for = value.get("for")
    return {
        "after": _count(value.get("after", 0)),
        "for": None if limit_for is None else _count(limit_for),
        "retry_after": retry_after,
        "status": _choice("429", "401")(str(value.get("status", 429))),
        "body": _choice("please_wait", "empty", "require_login")(value.get("body", "please_wait")),
    }


def delay_ms(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 60_000:
        raise ValueError("expected milliseconds between 0 and 60000")
    return value


SCENARIOS: dict[str, Callable[[Any], Any]] = {
    "rate_limit": _rate_limit,
    "capped": _bool,
    "graphql_empty_edges": _bool,
    "overlap": _count,
    "pk_format": _choice("int", "string", "mixed"),
    "utf8_raw": _bool,
    "logout_after_pages": _count,
    "server_error_after_pages": _count,
    "content_cursor_loop": _bool,
    # Feed and reels-tab answers without play counts (media info still has them).
    "no_list_plays": _bool,
    "challenge": _choice("classic", "auth_platform", "masked_404"),
    "checkpoint": _bool,
    "feedback": _bool,
    "private": _bool,
    "cursor": _choice("numeric", "opaque"),
    "gone": _choice("404", "null_user"),
    "server_error": _bool,
    "delay_ms": delay_ms,
}


def validate_scenarios(raw: Mapping[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in SCENARIOS:
            raise ValueError(f"unknown scenario {key!r}; known: {', '.join(sorted(SCENARIOS))}")
        if value is None:
            continue
        try:
            clean[key] = SCENARIOS[key](value)
        except ValueError as exc:
            raise ValueError(f"{key}: {exc}") from exc
    return clean


@dataclass
class TargetState:
    scenarios: dict[str, Any]
    list_requests: int = 0
    pages_served: int = 0
