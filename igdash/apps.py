from __future__ import annotations

from django.apps import AppConfig


class IgdashConfig(AppConfig):
    name = "igdash"
    verbose_name = "igdash core"

    def ready(self) -> None:
        from django.db.models.signals import pre_migrate

        from core.filemodes import tighten_data_folder
        from igdash import signals  # noqa: F401  (worker heartbeat hooks)

        # Once per migrate (serve runs one at start): a data folder made by an
        # older igdash becomes private to this user.
        pre_migrate.connect(tighten_data_folder, sender=self, dispatch_uid="igdash-private-files")
