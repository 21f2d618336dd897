"""Write docs/ER_diagram.dot from the models and render docs/ER_diagram.png."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from igdash.erd import to_dot


class Command(BaseCommand):
    help = "Regenerate the ER diagram (docs/ER_diagram.dot and .png; needs Graphviz)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output-dir", type=Path, default=Path(settings.BASE_DIR) / "docs")

    def handle(self, *args: Any, output_dir: Path, **options: Any) -> None:
        dot_path = output_dir / "ER_diagram.dot"
        png_path = output_dir / "ER_diagram.png"
        dot_path.write_text(to_dot(), encoding="utf-8")
        dot = shutil.which("dot")
        if dot is None:
            raise CommandError(
                f"wrote {dot_path}, but Graphviz's `dot` is not installed: "
                "run scripts/er_diagram.sh (installs it on Debian/Ubuntu) or install graphviz"
            )
        subprocess.run([dot, "-Tpng", "-Gdpi=110", str(dot_path), "-o", str(png_path)], check=True)
        self.stdout.write(f"wrote {dot_path} and {png_path}")
