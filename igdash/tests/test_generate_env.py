from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate_env.py"), *args],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_writes_a_fresh_secret_key_and_every_documented_variable(tmp_path: Path) -> None:
    target = tmp_path / ".env"
    assert _run("--output", str(target)).returncode == 0
    text = target.read_text()
    key = next(line for line in text.splitlines() if line.startswith("IGDASH_SECRET_KEY="))
    assert len(key.split("=", 1)[1]) >= 50
    assert "DATABASE_URL=" in text and "CELERY_BROKER_URL=" in text
    assert target.stat().st_mode & 0o777 == 0o600


def test_never_overwrites_without_force(tmp_path: Path) -> None:
    target = tmp_path / ".env"
    target.write_text("KEEP=me\n")
    refused = _run("--output", str(target))
    assert refused.returncode == 1
    assert "not overwritten" in refused.stderr
    assert target.read_text() == "KEEP=me\n"
    assert _run("--output", str(target), "--force").returncode == 0
    assert "KEEP=me" not in target.read_text()
