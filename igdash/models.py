"""The igdash app's models are defined in core/models.py (the leaf layer, so that
every app may read them) and registered here under the app label "igdash"."""

from core.models import AppSettings, VaultUnlock, WorkerHeartbeat, WorkerPing

__all__ = ["AppSettings", "VaultUnlock", "WorkerHeartbeat", "WorkerPing"]
