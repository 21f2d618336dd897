"""Run the benchmarks: `python -m benchmarks [--only export] [--rows N] [--json FILE]`."""

from __future__ import annotations

import argparse
from pathlib import Path

BENCHMARKS = ("export",)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--only", choices=BENCHMARKS, action="append", help="Run only these.")
    parser.add_argument("--rows", type=int, default=200_000, help="Rows in the fixture list.")
    parser.add_argument("--json", type=Path, help="Also write the figures to this JSON file.")
    args = parser.parse_args()
    for name in args.only or BENCHMARKS:
        if name == "export":
            from benchmarks import export

            export.run(args.rows, args.json)


if __name__ == "__main__":
    main()
