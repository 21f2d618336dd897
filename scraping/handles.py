"""Turn what the owner types into an Instagram username.

Accepted: `@name`, `name`, and profile URLs on instagram.com (with or without
www. or m., with or without the scheme, trailing slashes, query strings and
fragments) and on instagr.am. Anything else is refused with a message that says
what was wrong.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Instagram usernames: 1-30 letters, digits, periods and underscores; no leading
# or trailing period and no two periods in a row.
USERNAME_RE = re.compile(r"^(?!\.)(?!.*\.\.)(?!.*\.$)[a-z0-9._]{1,30}$")
HOSTS = {"instagram.com", "www.instagram.com", "m.instagram.com", "instagr.am", "www.instagr.am"}
# First path segments that are pages, not profiles.
NOT_PROFILES = {
    "p": "a post",
    "reel": "a reel",
    "reels": "a reels page",
    "tv": "a video",
    "stories": "a story",
    "explore": "the explore page",
    "accounts": "an account settings page",
    "direct": "the inbox",
    "about": "an about page",
    "developer": "a developer page",
    "legal": "a legal page",
}
# Second segments of a profile's own tabs: instagram.com/NAME/tagged/ is still NAME.
PROFILE_TABS = {"tagged", "reels", "saved", "followers", "following", "guides", "channel", "feed"}


SHOWN_MAX = 60  # of what was typed, quoted back in a message


class InvalidHandle(ValueError):
    """The text is not an Instagram username or profile URL; str() says why."""


def parse_handle(text: str) -> str:
    """Return the lowercase username that `text` names, or raise InvalidHandle."""
    raw = (text or "").strip()
    if not raw:
        raise InvalidHandle("Enter an Instagram username, @name or profile URL.")
    lowered = raw.lower()
    if "/" in lowered or lowered.startswith(("http:", "https:")) or _looks_like_host(lowered):
        return _from_url(raw)
    return _check(lowered.removeprefix("@"), raw)


def _shown(raw: str) -> str:
    """`raw` as a message quotes it: a pasted paragraph is cut short."""
    return repr(raw if len(raw) <= SHOWN_MAX else raw[: SHOWN_MAX - 3] + "...")


def _looks_like_host(text: str) -> bool:
    return any(text == host or text.startswith(host + "?") for host in HOSTS)


def _from_url(raw: str) -> str:
    url = raw if "://" in raw else "https://" + raw.lstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise InvalidHandle(f"{_shown(raw)} is not a web address.")
    host = (parts.hostname or "").lower()
    if host not in HOSTS:
        raise InvalidHandle(
            f"{_shown(raw)} is not an Instagram address (instagram.com or instagr.am)."
        )
    segments = [segment for segment in parts.path.split("/") if segment]
    if segments and segments[0] == "_u":  # the app's deep link: instagram.com/_u/name
        segments = segments[1:]
    if not segments:
        raise InvalidHandle(f"{_shown(raw)} has no username in it.")
    first = segments[0].lower()
    if first in NOT_PROFILES:
        raise InvalidHandle(f"{_shown(raw)} is {NOT_PROFILES[first]}, not a profile.")
    if len(segments) > 2 or (len(segments) == 2 and segments[1].lower() not in PROFILE_TABS):
        raise InvalidHandle(
            f"{_shown(raw)} is not a profile address (expected instagram.com/NAME)."
        )
    return _check(first.removeprefix("@"), raw)


def _check(name: str, raw: str) -> str:
    if not USERNAME_RE.match(name):
        raise InvalidHandle(
            f"{_shown(raw)} is not a valid Instagram username (1-30 letters, digits, "
            "periods and underscores)."
        )
    return name
