#!/usr/bin/env python
"""Django's command-line utility for igdash (the same as the `igdash` command)."""

from __future__ import annotations

from igdash.launcher import main

if __name__ == "__main__":
    main(prog="manage.py")
