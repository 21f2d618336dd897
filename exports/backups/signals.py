"""Signals of the backups for the apps above exports (notify), which may not be
imported from here. `backup_failed` is sent when the nightly backup fails, with
the keyword argument `error` (the one-line reason, never a secret: archives.py
messages name files and tools only)."""

from __future__ import annotations

from django.dispatch import Signal

backup_failed = Signal()
