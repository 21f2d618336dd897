from __future__ import annotations

import pytest

from scraping.handles import InvalidHandle, parse_handle


@pytest.mark.parametrize(
    "text",
    [
        "demo_small",
        "@demo_small",
        "  @Demo_Small ",
        "instagram.com/demo_small",
        "www.instagram.com/demo_small/",
        "https://www.instagram.com/demo_small",
        "https://www.instagram.com/demo_small/",
        "http://instagram.com/demo_small//",
        "https://www.instagram.com/demo_small/?hl=en&igsh=abc123",
        "https://www.instagram.com/demo_small?utm_source=ig_web_copy_link#top",
        "https://m.instagram.com/demo_small/",
        "https://instagr.am/demo_small",
        "instagr.am/demo_small/",
        "https://www.instagram.com/_u/demo_small/",
        "https://www.instagram.com/demo_small/tagged/",
        "HTTPS://WWW.INSTAGRAM.COM/DEMO_SMALL/",
    ],
)
def test_names_and_profile_urls_give_the_username(text: str) -> None:
    assert parse_handle(text) == "demo_small"


def test_dots_and_digits_are_kept() -> None:
    assert parse_handle("@j.doe_1990") == "j.doe_1990"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "Enter an Instagram username"),
        ("@", "not a valid Instagram username"),
        ("two words", "not a valid Instagram username"),
        ("émilie", "not a valid Instagram username"),
        (".leading", "not a valid Instagram username"),
        ("trailing.", "not a valid Instagram username"),
        ("double..dot", "not a valid Instagram username"),
        ("x" * 31, "not a valid Instagram username"),
        ("https://www.instagram.com/p/Cx1abc/", "is a post, not a profile"),
        ("https://www.instagram.com/reel/Cx1abc/", "is a reel, not a profile"),
        ("https://www.instagram.com/stories/demo_small/123/", "is a story, not a profile"),
        ("https://www.instagram.com/explore/tags/cats/", "is the explore page"),
        ("https://www.instagram.com/", "has no username"),
        ("https://www.instagram.com/demo_small/p/123/", "not a profile address"),
        ("https://evil.example/demo_small", "not an Instagram address"),
        ("https://instagram.com.evil.example/demo_small", "not an Instagram address"),
        ("ftp://instagram.com/demo_small", "not a web address"),
    ],
)
def test_anything_else_is_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidHandle, match=reason.replace(".", r"\.")):
        parse_handle(text)
