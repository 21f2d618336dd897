from __future__ import annotations

from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "notify"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # scraping and exports may not import notify (docs/architecture.md): they
        # send signals, and notify listens here.
        from accounts_app import vault
        from exports.backups.signals import backup_failed
        from notify import receivers
        from notify.delivery import release_after_unlock
        from scraping.signals import scrape_status_changed

        scrape_status_changed.connect(receivers.on_scrape_status, dispatch_uid="notify-scrape")
        backup_failed.connect(receivers.on_backup_failed, dispatch_uid="notify-backup")
        if release_after_unlock not in vault.AFTER_UNLOCK:
            vault.AFTER_UNLOCK.append(release_after_unlock)
