"""Hashtags and mentions of a caption, as Instagram links them.

A hashtag is `#` (or the full-width U+FF03) followed by letters, digits, combining
marks and underscores of any script: `\\w` alone would cut Hindi or Thai tags
at their first vowel sign (a combining mark), so marks are accepted too. An
emoji or punctuation ends it. A mention is `@` followed by a username's
characters (ASCII letters, digits, `_` and `.`, at most 30, never ending in a
period, so a sentence's full stop is not part of it). Neither starts inside a
word: `me@example.com` and `a#b` link nothing.

Tags are stored lowercase without their sign, NFC-normalised (the same word
typed on two keyboards is one tag), de-duplicated in caption order.
"""

from __future__ import annotations

import re
import unicodedata

HASH_SIGNS = "#\uff03"
TAG_MAX = 150
USERNAME_MAX = 30
_MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9_.]{1,30})(?![A-Za-z0-9_])")


def _tag_char(char: str) -> bool:
    return char == "_" or char.isalnum() or unicodedata.category(char).startswith("M")


def hashtags(caption: str) -> list[str]:
    text = unicodedata.normalize("NFC", caption or "")
    found: dict[str, None] = {}
    i, end = 0, len(text)
    while i < end:
        if text[i] not in HASH_SIGNS or (i > 0 and (_tag_char(text[i - 1]) or text[i - 1] == "&")):
            i += 1
            continue
        j = i + 1
        while j < end and _tag_char(text[j]):
            j += 1
        tag = text[i + 1 : j].lower()
        # A tag of digits and marks only (#1, a price) is not linked by Instagram.
        if tag and len(tag) <= TAG_MAX and any(c.isalpha() or c == "_" for c in tag):
            found.setdefault(tag)
        i = max(j, i + 1)
    return list(found)


def mentions(caption: str) -> list[str]:
    found: dict[str, None] = {}
    for match in _MENTION.finditer(caption or ""):
        name = match.group(1).rstrip(".").lower()
        if name:
            found.setdefault(name)
    return list(found)
