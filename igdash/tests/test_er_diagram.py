"""The committed ER diagram must show every model; regenerate it with
scripts/er_diagram.sh when this fails."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from igdash.erd import project_models, to_dot

DOCS = Path(settings.BASE_DIR) / "docs"


def test_committed_diagram_source_names_every_model() -> None:
    source = (DOCS / "ER_diagram.dot").read_text(encoding="utf-8")
    missing = [m._meta.label for m in project_models() if f'"{m._meta.label}"' not in source]
    assert not missing, f"docs/ER_diagram.dot lacks {missing}: run scripts/er_diagram.sh"


def test_committed_diagram_source_is_current() -> None:
    assert (DOCS / "ER_diagram.dot").read_text(encoding="utf-8") == to_dot(), (
        "docs/ER_diagram.dot is stale: run scripts/er_diagram.sh"
    )
    assert (DOCS / "ER_diagram.png").stat().st_size > 10_000


def test_diagram_renders_with_graphviz(tmp_path: Path) -> None:
    dot = shutil.which("dot")
    if dot is None:
        pytest.fail("Graphviz is not installed: scripts/test.sh installs it (package graphviz)")
    (tmp_path / "erd.dot").write_text(to_dot(), encoding="utf-8")
    subprocess.run(
        [dot, "-Tpng", str(tmp_path / "erd.dot"), "-o", str(tmp_path / "e.png")], check=True
    )
    assert (tmp_path / "e.png").read_bytes().startswith(b"\x89PNG")
