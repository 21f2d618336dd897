"""Instagram wire layer: clients, error taxonomy and types. No Django dependency."""

from __future__ import annotations
