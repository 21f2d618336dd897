"""`check --deploy` under the settings serve runs with (not the test settings)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _check_deploy(
    tmp_path: Path, drop: tuple[str, ...] = (), **extra: str
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "igdash.settings",
        "IGDASH_DATA_DIR": str(tmp_path),
        "IGDASH_ENV_FILE": os.devnull,
        **extra,
    }
    # The test run's own variables are not part of serve's environment.
    for key in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", *drop):
        env.pop(key, None)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("https", ["0", "1"])
def test_check_deploy_is_clean_under_serve_settings(tmp_path: Path, https: str) -> None:
    result = _check_deploy(tmp_path, IGDASH_HTTPS=https, IGDASH_HSTS_SECONDS="31536000")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_a_generated_secret_key_is_kept_private_in_the_data_folder(tmp_path: Path) -> None:
    assert _check_deploy(tmp_path, drop=("IGDASH_SECRET_KEY",)).returncode == 0
    key_file = tmp_path / "secret_key"
    assert len(key_file.read_text()) >= 50
    assert key_file.stat().st_mode & 0o777 == 0o600
