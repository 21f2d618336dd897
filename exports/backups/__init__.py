"""Backups of the whole database (archives.py: make, verify, restore, list and
prune), kept apart from the list exports: neither imports the other (the
import-linter contracts "backups" and "list-exports" in pyproject.toml)."""
