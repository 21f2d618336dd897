"""Hashtags and mentions as Instagram links them."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from content.captions import hashtags, mentions


def test_hashtags_are_lowercase_unique_and_in_order() -> None:
    assert hashtags("#Sun and #sun, #SUNSET! #sun_set#x") == ["sun", "sunset", "sun_set"]
    assert hashtags(None) == [] and hashtags("") == []  # type: ignore[arg-type]


def test_hashtags_of_any_script_keep_their_marks() -> None:
    # \w alone would cut नमस्ते at its vowel signs (combining marks).
    assert hashtags("#नमस्ते #Ελλάδα #東京 #café") == ["नमस्ते", "ελλάδα", "東京", "café"]
    # Decomposed é (e + combining acute) is the same tag as the composed one.
    assert hashtags("#cafe\u0301 #café") == ["café"]
    assert hashtags("\uff03全角") == ["全角"]


def test_what_is_not_a_hashtag() -> None:
    assert hashtags("a#b c&#39;s #1 #2024 #🍕 # alone") == []
    assert hashtags("#love❤️ #tag.") == ["love", "tag"]


def test_mentions() -> None:
    text = "Shot by @Ann.Lee. with @bob_1, @bob_1 and me@example.com @@x @" + "a" * 31
    assert mentions(text) == ["ann.lee", "bob_1"]
    assert mentions("(@carol)") == ["carol"]


@given(st.text())
def test_parsing_any_text_gives_clean_tags(text: str) -> None:
    for tag in hashtags(text):
        assert tag and "#" not in tag and tag == tag.lower()
        assert tag == unicodedata.normalize("NFC", tag)
    for name in mentions(text):
        assert name and "@" not in name and not name.endswith(".") and len(name) <= 30
