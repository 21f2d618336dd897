"""Small typed readers for configuration from the environment.

settings.py reads every IGDASH_* variable once, through these helpers
(igdash/tests/test_config_checks.py keeps it so). A number, flag, choice, time
zone, network list or key that cannot be used stops start-up with one line naming
the variable, instead of failing deep inside a request or a scrape; a number is
range-checked only where settings.py gives it a minimum or maximum; a base URL
(env_url) must be http(s)://host. Other free text (env_str: host and user names)
is only trimmed, so a mistyped host shows only when it is used (serve binding
it), not at start-up.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import math
import os
import zoneinfo
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
D = TypeVar("D")  # a default of another type than the value (None: "not set")
# Loopback and Tailscale's ranges (CGNAT IPv4 and its ULA IPv6 prefix).
DEFAULT_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128", "100.64.0.0/10", "fd7a:115c:a1e0::/48"]


class ConfigError(ValueError):
    """A configuration variable holds a value igdash cannot use."""


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


def env_int(
    name: str, default: D, *, minimum: int | None = None, maximum: int | None = None
) -> int | D:
    """A whole number within [minimum, maximum]; `default` when unset (None
    allowed: "not set, use the Settings page")."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    return _within(name, value, minimum, maximum)


def env_float(
    name: str, default: D, *, minimum: float | None = None, maximum: float | None = None
) -> float | D:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from None
    if not math.isfinite(value):
        raise ConfigError(f"{name} must be a finite number, not {raw!r}")
    return _within(name, value, minimum, maximum)


N = TypeVar("N", int, float)


def _within(name: str, value: N, minimum: N | None, maximum: N | None) -> N:
    if minimum is not None and maximum is not None and not minimum <= value <= maximum:
        raise ConfigError(f"{name} must be between {minimum} and {maximum}, not {value}")
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {value}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{name} must be at most {maximum}, not {value}")
    return value


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """One of `choices`, compared without case."""
    raw = env_str(name)
    if not raw:
        return default
    for choice in choices:
        if raw.lower() == choice.lower():
            return choice
    raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {raw!r}")


def env_url(name: str, default: str) -> str:
    """An http(s) base URL without a trailing slash (the Instagram hosts, or the
    simulator standing in for them)."""
    value = (env_str(name) or default).rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{name} must be a URL like https://host[:port], not {value!r}")
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise ConfigError(f"{name} has a bad port: {value!r}") from None
    return value


def env_time_zone(name: str, default: str) -> str:
    value = env_str(name, default) or default
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{name} is not a time zone name like Europe/Berlin: {value!r}") from None
    return value


def env_base64(name: str, size: int) -> bytes | None:
    """`size` bytes written as base64, or None when unset."""
    raw = env_str(name)
    if not raw:
        return None
    try:
        value = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        value = b""
    if len(value) != size:
        # The value is a secret: the message never repeats it.
        raise ConfigError(f"{name} must be {size} bytes written in base64 (the value is not)")
    return value


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_networks(name: str, default: list[str]) -> list[IPNetwork]:
    networks = []
    for item in env_list(name, default):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigError(f"{name}: {item!r} is not a network like 192.168.1.0/24") from None
    return networks


def env_path(name: str, default: Path) -> Path:
    raw = os.environ.get(name, "").strip()
    return Path(raw).expanduser().resolve() if raw else default.resolve()


def load_dotenv(path: Path) -> None:
    """Read KEY=VALUE lines from a .env file into os.environ (real env wins).

    A deliberately tiny parser: comments, blank lines, optional quotes. It keeps
    igdash free of another dependency for a file the owner edits by hand.
    """
    if not path.is_file():
        return
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("export "):
            stripped = stripped[len("export ") :]
        key, sep, value = stripped.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{path}:{line_no}: expected KEY=VALUE")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        os.environ.setdefault(key.strip(), value)
