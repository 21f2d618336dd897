"""The README's simulator walk-through, read as a new owner follows it: what it
writes into .env must be variables igdash knows, must make the demo fast, and the
owner must be told that .env is read only when igdash starts."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def _walkthrough() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("### Try it on the simulator")
    return readme[start : readme.index("\n## ", start)]


def _env_lines(text: str) -> dict[str, str]:
    block = re.search(r"cat >> \.env <<'EOF'\n(.*?)\nEOF", text, re.S)
    assert block, "the walk-through no longer writes .env"
    return dict(line.split("=", 1) for line in block.group(1).splitlines())


def test_walkthrough_turns_the_rate_windows_off_with_a_known_variable() -> None:
    env = _env_lines(_walkthrough())
    known = (ROOT / ".env.example").read_text(encoding="utf-8")

    assert env.get("IGDASH_RATE_LIMITS") == "off"
    for name in env:
        assert re.search(rf"^{name}=", known, re.M), f"{name} is not in .env.example"
    powershell = re.search(r"`Add-Content \.env (.*?)`", _walkthrough())
    assert powershell and '"IGDASH_RATE_LIMITS=off"' in powershell.group(1)


def test_walkthrough_says_to_restart_igdash_after_editing_env() -> None:
    text = " ".join(_walkthrough().split())

    assert "igdash reads .env only when it starts" in text
    assert "Every change to `.env` needs a restart of igdash" in text


def test_the_demo_dashboard_is_seeded_and_opened_in_its_own_data_folder() -> None:
    # After the walk-through ./data tracks @demo_small, so a bare `igdash seed_demo`
    # is refused; the README must give the folder and how to open what it built.
    text = " ".join(_walkthrough().split())

    assert "`IGDASH_DATA_DIR=./demo-data .venv/bin/igdash seed_demo`" in text
    assert "`IGDASH_DATA_DIR=./demo-data bash scripts/start.sh --port 8001`" in text
