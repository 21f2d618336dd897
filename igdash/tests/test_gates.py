"""The test command's gates (docs/development.md): coverage counts what the
processes a test starts run, and the docs state the configured numbers."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from coverage import CoverageData

ROOT = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
FLOOR = CONFIG["tool"]["coverage"]["report"]["fail_under"]
COMPLEXITY = CONFIG["tool"]["ruff"]["lint"]["mccabe"]["max-complexity"]


@pytest.mark.slow
def test_coverage_measures_the_python_processes_a_run_starts(tmp_path: Path) -> None:
    # The parent never imports the apps; only the process it starts does. With the
    # project's coverage settings, that process's lines are in the combined data.
    script = tmp_path / "starts_a_process.py"
    script.write_text(
        "import subprocess, sys\n"
        "subprocess.run([sys.executable, '-c', 'import core.env'], check=True)\n",
        encoding="utf-8",
    )
    data_file = tmp_path / "coverage" / ".coverage"
    env = {
        key: value
        for key, value in os.environ.items()
        # This test run's own measurement (when there is one) stays out of it.
        if not key.startswith("COVERAGE_")
    }
    env["COVERAGE_FILE"] = str(data_file)
    for command in (["run", str(script)], ["combine", "--quiet"]):
        done = subprocess.run(
            [sys.executable, "-m", "coverage", *command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stderr == ""  # no coverage warning on a measured command's stderr
    data = CoverageData(str(data_file))
    data.read()
    measured = {Path(name).as_posix(): data.lines(name) for name in data.measured_files()}
    assert measured.get("core/env.py"), sorted(measured)
    assert not any(name.startswith(str(tmp_path)) for name in measured)  # the apps only


def test_docs_state_the_configured_coverage_floor_and_complexity_cap() -> None:
    development = (ROOT / "docs" / "development.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for text in (development, readme):
        floors = re.findall(r"coverage floor(?: of)?:? \**(\d+)%", text, re.IGNORECASE)
        assert floors == [str(FLOOR)], floors
    assert re.search(rf"C90 at a maximum complexity of {COMPLEXITY}\b", development)
    assert re.search(rf"complexity cap of {COMPLEXITY} per function", readme)
