"""The theme switch: the choice survives a reload, and "system" follows the
operating system's colour scheme live."""

from __future__ import annotations

import pytest

from igdash.tests.ui import log_in, owner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _theme(page) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    theme, choice = page.evaluate(
        "[document.documentElement.dataset.theme, document.documentElement.dataset.themeChoice]"
    )
    return theme, choice


def test_chosen_theme_survives_a_reload(page, live_server) -> None:  # type: ignore[no-untyped-def]
    owner()
    page.emulate_media(color_scheme="light")
    log_in(page, live_server)
    page.click("label:has(input[name=theme][value=dark])")
    assert _theme(page) == ("dark", "dark")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.reload()
    page.wait_for_load_state("networkidle")
    assert _theme(page) == ("dark", "dark")
    assert page.is_checked("input[name=theme][value=dark]")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == background
    page.screenshot("dark-after-reload")


def test_system_follows_the_emulated_colour_scheme(page, live_server) -> None:  # type: ignore[no-untyped-def]
    owner()
    page.emulate_media(color_scheme="dark")
    log_in(page, live_server)
    assert _theme(page) == ("dark", "system")
    assert page.is_checked("input[name=theme][value=system]")
    page.emulate_media(color_scheme="light")
    page.wait_for_function("document.documentElement.dataset.theme === 'light'")
    page.click("label:has(input[name=theme][value=light])")
    page.emulate_media(color_scheme="dark")
    assert _theme(page) == ("light", "light")  # an explicit choice ignores the system
    page.click("label:has(input[name=theme][value=system])")
    assert _theme(page) == ("dark", "system")


def test_theme_switch_works_from_the_keyboard(page, live_server) -> None:  # type: ignore[no-untyped-def]
    owner()
    page.emulate_media(color_scheme="light")
    log_in(page, live_server)
    page.focus("input[name=theme][value=system]")
    page.keyboard.press("ArrowRight")  # radio group: arrows move and select
    assert _theme(page) == ("light", "light")
    page.keyboard.press("ArrowRight")
    assert _theme(page) == ("dark", "dark")
    outline = page.evaluate(
        "getComputedStyle(document.querySelector('input[name=theme]:checked').parentElement)"
        ".outlineStyle"
    )
    assert outline != "none"  # the focused choice shows a ring
