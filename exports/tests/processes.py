"""Run manage.py and scripts against a real SQLite file in a data folder of the
test's own: pytest-django's database lives in memory, backups need a file."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

from igdash.testing.processes import ROOT, data_env, run_manage


def env_for(data_dir: Path, **extra: str) -> dict[str, str]:
    """data_env() with a fixed secret key and the key store in the data folder."""
    secrets = {"IGDASH_SECRET_KEY": "test-only-secret-key-" + "y" * 40, "IGDASH_KEY_STORE": "file"}
    return data_env(data_dir, **{**secrets, **extra})


def run(data_dir: Path, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    """`python <args>` in the repository with igdash pointed at data_dir."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env_for(data_dir, **extra_env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def manage(data_dir: Path, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    return run_manage(data_dir, *args, timeout=120, env=env_for(data_dir, **extra_env))


def python(data_dir: Path, code: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
    return run(data_dir, "-c", f"import django; django.setup(); {code}", **extra_env)


def checked(done: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


def copy_database(template: Path, data_dir: Path) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(template, data_dir / "igdash.sqlite3"))


def contents(database: Path, skip: tuple[str, ...] = ()) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every ordinary table, sorted, for comparing two databases."""
    with closing(sqlite3.connect(database)) as db:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'"
            )
            if name not in skip
        ]
        return {
            table: sorted(db.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)  # noqa: S608
            for table in tables
        }
