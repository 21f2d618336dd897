"""scripts/_python.sh, which start.sh and test.sh source: the first install
shows pip's main steps and a line every few seconds while pip is quiet (a
silent minute looks hung), and a failed install still fails loudly with pip's
whole log, whatever the caller's shell options."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

SCRIPT = Path(settings.BASE_DIR, "scripts", "_python.sh")
pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def bash(command: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", f'source "{SCRIPT}"; {command}'],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_pips_steps_are_shown_and_a_quiet_pip_gets_a_line_every_few_seconds() -> None:
    pip_output = (
        "printf 'Collecting django<6,>=5.2\\n  Downloading django-5.2.whl (8.3 MB)\\n"
        "Using cached celery.whl\\n'; sleep 1.6; "
        "printf 'Installing collected packages: django, celery\\nSuccessfully installed x\\n'"
    )

    result = bash(f"({pip_output}) | pip_steps 0.5")

    lines = result.stdout.splitlines()
    assert result.returncode == 0
    assert lines[0] == "  Collecting django<6,>=5.2"
    assert any(line.startswith("  ... still installing (") for line in lines)
    assert lines[-2:] == [
        "  Installing collected packages: django, celery",
        "  Successfully installed x",
    ]
    assert "Downloading" not in result.stdout and "Using cached" not in result.stdout


def test_a_failed_install_fails_with_pips_log_even_without_pipefail(tmp_path: Path) -> None:
    # The real pip of this interpreter, asked to install a folder that is no project.
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    python = tmp_path / ".venv" / "bin" / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "not_a_project").mkdir()

    result = bash('install_project ./not_a_project; echo "status=$?"', cwd=tmp_path)

    assert "Installing igdash (./not_a_project) into .venv" in result.stdout
    assert "status=1" in result.stdout
    assert "does not appear to be a Python project" in result.stderr  # pip's own words
    assert "pip install failed (full log: .venv/install.log)" in result.stderr
    assert not list((tmp_path / ".venv").glob(".installed-*"))  # not marked as installed
