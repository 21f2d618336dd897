"""Helpers of the browser tests of the dashboard's pages."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

OWNER_PASSWORD = "pw-owner-123456"
VIEWPORTS = [(320, 640), (768, 1024), (1440, 900)]

# Every visible clickable element, with its size. Elements clipped to 1 px (the
# sr-only pattern: the skip link until it gets focus) are not visible to anyone.
CLICKABLE_SIZES_JS = """
() => Array.from(document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, summary, textarea'))
  .filter(el => el.checkVisibility({visibilityProperty: true}))
  .map(el => ({el, r: el.getBoundingClientRect()}))
  .filter(({r}) => r.width > 1 && r.height > 1)
  .map(({el, r}) => ({html: el.outerHTML.slice(0, 140), height: r.height}))
"""


def owner() -> User:
    return User.objects.create_superuser("owner", "", OWNER_PASSWORD)


def log_in(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/login/")
    page.wait_for_load_state("networkidle")
    page.fill("#id_username", "owner")
    page.fill("#id_password", OWNER_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.wait_for_load_state("networkidle")


def small_targets(page: Any) -> list[str]:
    return [
        f"{item['height']:.0f}px {item['html']}"
        for item in page.evaluate(CLICKABLE_SIZES_JS)
        if item["height"] < 44
    ]


def horizontal_overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


WIDE_JS = """
() => Array.from(document.querySelectorAll('body *'))
  .filter(el => el.getBoundingClientRect().right > window.innerWidth + 0.5)
  .slice(-5).map(el => el.outerHTML.slice(0, 160))
"""


def check_layout(page: Any) -> None:
    """No sideways scrolling, no tap target under 44 px."""
    overflow = horizontal_overflow(page)
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px:\n" + "\n".join(
        page.evaluate(WIDE_JS)
    )
    small = small_targets(page)
    assert not small, f"{page.url} has small tap targets:\n" + "\n".join(small)
