from __future__ import annotations

from django.apps import AppConfig


class IgdashConfig(AppConfig):
    name = "igdash"
    verbose_name = "igdash core"

    def ready(self) -> None:
        from igdash import signals  # noqa: F401  (worker heartbeat hooks)
