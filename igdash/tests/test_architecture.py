"""The layers of docs/architecture.md hold: the import-linter contract passes,
fails on a back-import, and the committed picture shows today's imports."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from django.conf import settings

from igdash.testing.project import packages

ROOT = Path(settings.BASE_DIR)
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = packages()


def _lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def _copy_tree(tmp_path: Path) -> Path:
    copy = tmp_path / "tree"
    copy.mkdir()
    shutil.copy(ROOT / "pyproject.toml", copy)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "static_src")
    for name in PACKAGES:
        shutil.copytree(ROOT / name, copy / name, ignore=ignore)
    return copy


def test_the_contract_holds_on_the_tree() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_back_import_breaks_the_contract(tmp_path: Path) -> None:
    copy = _copy_tree(tmp_path)
    assert _lint(copy).returncode == 0  # the copy alone is fine
    models = copy / "accounts_app" / "models.py"
    models.write_text(
        models.read_text(encoding="utf-8") + "\nfrom scraping.models import Scrape  # noqa\n",
        encoding="utf-8",
    )

    result = _lint(copy)

    assert result.returncode == 1
    assert "accounts_app is not allowed to import scraping" in result.stdout
    assert "accounts_app.models -> scraping.models" in result.stdout


def test_the_wire_may_not_reach_the_database(tmp_path: Path) -> None:
    copy = _copy_tree(tmp_path)
    client = copy / "scraping" / "instagram" / "web.py"
    client.write_text(
        client.read_text(encoding="utf-8") + "\nfrom scraping import models  # noqa\n",
        encoding="utf-8",
    )

    result = _lint(copy)

    assert result.returncode == 1
    assert "scraping.instagram.web -> scraping.models" in result.stdout


def test_the_committed_layer_picture_is_current() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "layers_diagram.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (ROOT / "docs" / "architecture.png").stat().st_size > 10_000


def test_every_package_is_in_the_contract_type_checked_and_measured() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    layers = next(c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "layers")
    on_disk = {p.parent.name for p in ROOT.glob("*/apps.py")} | {"core"}
    assert set(packages()) == on_disk, "a package is missing from [tool.importlinter]"
    assert set(layers["layers"]) == set(packages())
    assert set(config["tool"]["mypy"]["files"]) == set(packages())
    assert set(config["tool"]["coverage"]["run"]["source_pkgs"]) == set(packages())
    assert set(config["tool"]["pytest"]["ini_options"]["testpaths"]) == set(packages())
    # A plain `pip install .` (the Docker image) ships only the packages listed here.
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    assert {name.rstrip("*") for name in include} == set(packages())
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    for package in packages():
        assert f"COPY {package} ./{package}" in dockerfile, f"the image lacks {package}"
    wire = next(c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "wire")
    apps = set(packages()) - {"scraping"}
    assert apps <= set(wire["forbidden_modules"]), "the wire may import an app"
