"""Playwright with Debian's chromium, and a page that fails the test on console
errors or failed requests."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("IGDASH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@contextmanager
def launch_chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"chromium not found at {CHROMIUM}: run scripts/test.sh (it installs Debian's "
            "chromium) or set IGDASH_CHROMIUM"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


class WatchedPage:
    def __init__(self, page: Any, name: str) -> None:
        self.page = page
        self.name = re.sub(r"[^\w.-]+", "_", name)
        self.problems: list[str] = []
        page.on(
            "console",
            lambda msg: (
                self.problems.append(f"console {msg.type}: {msg.text}")
                if msg.type == "error"
                else None
            ),
        )
        page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        page.on("requestfailed", self._request_failed)
        page.on(
            "response",
            lambda resp: (
                self.problems.append(f"HTTP {resp.status}: {resp.url}")
                if resp.status >= 400
                else None
            ),
        )

    def _request_failed(self, request: Any) -> None:
        # ERR_ABORTED: the browser cancelled a load because the page moved on (a
        # click that navigates while the logo is still loading). Nothing failed;
        # a real failure is an HTTP status (the response hook) or another net error.
        if "ERR_ABORTED" not in (request.failure or ""):
            self.problems.append(f"request failed: {request.url} {request.failure}")

    def screenshot(self, label: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{self.name}-{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def __getattr__(self, item: str) -> Any:
        return getattr(self.page, item)


@contextmanager
def watched_page(browser: Any, name: str, **context_options: Any) -> Iterator[WatchedPage]:
    context = browser.new_context(**context_options)
    watched = WatchedPage(context.new_page(), name)
    try:
        yield watched
        assert not watched.problems, "\n".join(watched.problems)
    finally:
        context.close()
