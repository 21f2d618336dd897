"""Usernames out of one followers or following file of Instagram's export.

JSON (docs/instagram-wire.md section 6): a bare array of entries, or the
array wrapped as {"relationships_followers": [...]} / {"relationships_following":
[...]}. An entry names the account in string_list_data[].value, else in its
title (following lists since late 2025), else only in string_list_data[].href
(the last path segment). HTML: one <a href="https://www.instagram.com/NAME"> per
account, read with the stdlib parser.

Usernames come back lowercase, as Instagram spells them and as scrapes store them.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from scraping.handles import HOSTS, NOT_PROFILES

# Instagram's characters and length. Looser than handles.USERNAME_RE (no period
# rules): old accounts keep names the sign-up form refuses today.
USERNAME_RE = re.compile(r"^[a-z0-9._]{1,30}$")
WRAPPERS = {"followers": "relationships_followers", "following": "relationships_following"}


class ExportFormatError(ValueError):
    """The file is not what its name promises; str() says what was expected."""


def json_usernames(data: bytes | bytearray, label: str, list_name: str) -> set[str]:
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise ExportFormatError(f"{label} is not valid JSON ({_short(exc)}).") from None
    wrapper = WRAPPERS[list_name]
    expected = f'a list of accounts or {{"{wrapper}": [...]}}'
    if isinstance(document, dict):
        other = next((key for key in WRAPPERS.values() if key != wrapper and key in document), None)
        if wrapper not in document and other:
            raise ExportFormatError(f'{label} holds "{other}", not the {list_name} list.')
        if wrapper not in document:
            keys = ", ".join(f'"{key}"' for key in list(document)[:3]) or "none"
            raise ExportFormatError(
                f"{label} is JSON of another kind (keys {keys}); expected {expected}."
            )
        document = document[wrapper]
    if not isinstance(document, list):
        raise ExportFormatError(f"{label} is JSON of another kind; expected {expected}.")
    return {_entry_username(entry, label, number) for number, entry in enumerate(document, 1)}


def _entry_username(entry: Any, label: str, number: int) -> str:
    where = f"{label}, account {number:,}"
    if not isinstance(entry, dict):
        raise ExportFormatError(f"{where} is not an object with string_list_data.")
    items = entry.get("string_list_data") or []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ExportFormatError(f"{where}: string_list_data is not a list of objects.")
    candidates = [item.get("value") for item in items]
    candidates.append(entry.get("title"))
    for text in candidates:
        if isinstance(text, str) and text.strip():
            return _checked(text, where)
    for item in items:
        href = item.get("href")
        if isinstance(href, str) and href.strip():
            name = href_username(href)
            if name is None:
                raise ExportFormatError(f"{where}: {href[:80]!r} is not an Instagram profile link.")
            return name
    raise ExportFormatError(
        f"{where} has no username (expected string_list_data[].value, title or href)."
    )


def _checked(text: str, where: str) -> str:
    name = text.strip().removeprefix("@").lower()
    if not USERNAME_RE.match(name):
        raise ExportFormatError(f"{where}: {text[:40]!r} is not an Instagram username.")
    return name


def href_username(href: str) -> str | None:
    """NAME of https://www.instagram.com/NAME (also /_u/NAME, trailing slash,
    query), or None for any other address."""
    parts = urlsplit(href.strip())
    if parts.scheme not in ("http", "https") or (parts.hostname or "").lower() not in HOSTS:
        return None
    segments = [segment for segment in parts.path.split("/") if segment]
    if segments[:1] == ["_u"]:
        segments = segments[1:]
    if len(segments) != 1:
        return None
    name = segments[0].lower()
    if name in NOT_PROFILES or not USERNAME_RE.match(name):
        return None
    return name


class ProfileLinks(HTMLParser):
    """Collects the usernames of every instagram.com profile link; fed in chunks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.usernames: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "a":
            return
        href = dict(attrs).get("href")
        name = href_username(href) if href else None
        if name:
            self.usernames.add(name)


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
