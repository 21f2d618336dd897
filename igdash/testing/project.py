"""The project's own Python packages, read from the one list that names them:
the import-linter root packages in pyproject.toml (docs/architecture.md). Tests
that scan the source or the deployment files use this instead of their own copy."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def packages() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return list(config["tool"]["importlinter"]["root_packages"])
