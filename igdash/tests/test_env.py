from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.env import ConfigError, env_bool, env_int, env_list, load_dotenv


def test_typed_helpers_read_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_BOOL", "yes")
    monkeypatch.setenv("X_INT", " 42 ")
    monkeypatch.setenv("X_LIST", "a, b,,c")
    assert env_bool("X_BOOL") is True
    assert env_int("X_INT", 0) == 42
    assert env_list("X_LIST") == ["a", "b", "c"]
    assert env_int("X_MISSING", 7) == 7


def test_bad_values_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_INT", "lots")
    monkeypatch.setenv("X_BOOL", "maybe")
    with pytest.raises(ConfigError, match="X_INT must be a whole number"):
        env_int("X_INT", 0)
    with pytest.raises(ConfigError, match="X_BOOL must be true or false"):
        env_bool("X_BOOL")


def test_dotenv_fills_only_unset_variables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text('# comment\nX_A="quoted value"\nexport X_B=2\nX_C=from-file\n')
    monkeypatch.setenv("X_C", "from-env")
    monkeypatch.delenv("X_A", raising=False)
    monkeypatch.delenv("X_B", raising=False)
    load_dotenv(env_file)

    assert os.environ["X_A"] == "quoted value"
    assert os.environ["X_B"] == "2"
    assert os.environ["X_C"] == "from-env"


def test_dotenv_rejects_a_line_without_equals(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("JUSTAWORD\n")
    with pytest.raises(ConfigError, match=r"\.env:1: expected KEY=VALUE"):
        load_dotenv(env_file)


def test_a_bad_variable_stops_a_command_with_one_line(tmp_path: Path) -> None:
    from igdash.testing.processes import data_env, run_manage

    result = run_manage(tmp_path, "check", env=data_env(tmp_path, IGDASH_PORT="abc"), timeout=60)
    assert result.returncode == 2
    assert result.stderr == (
        "manage.py: configuration error: IGDASH_PORT must be a whole number, not 'abc'\n"
    )
