#!/usr/bin/env python3
"""Write a .env with a fresh secret key and the documented defaults.

Usage: python scripts/generate_env.py [--output .env] [--force]
Never overwrites an existing file unless --force is given.
"""

from __future__ import annotations

import argparse
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def render(example: str, secret_key: str) -> str:
    lines = []
    for line in example.splitlines():
        if line.startswith("IGDASH_SECRET_KEY="):
            line = f"IGDASH_SECRET_KEY={secret_key}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=ROOT / ".env")
    parser.add_argument("--force", action="store_true", help="overwrite an existing file")
    args = parser.parse_args(argv)
    if args.output.exists() and not args.force:
        print(f"{args.output} exists; not overwritten (use --force to replace it)", file=sys.stderr)
        return 1
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    args.output.write_text(render(example, secrets.token_urlsafe(50)), encoding="utf-8")
    args.output.chmod(0o600)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
