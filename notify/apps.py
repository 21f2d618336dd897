from __future__ import annotations

from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "notify"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # scraping and exports may not import notify (docs/architecture.md): they
        # send signals, and notify listens here.
        from exports.backups.signals import backup_failed
        from notify import receivers
        from scraping.signals import scrape_status_changed

        scrape_status_changed.connect(receivers.on_scrape_status, dispatch_uid="notify-scrape")
        backup_failed.connect(receivers.on_backup_failed, dispatch_uid="notify-backup")
