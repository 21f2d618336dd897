from __future__ import annotations

from django.apps import AppConfig


def _seal_pending_proxies(apps: object = None, **_signal: object) -> None:
    from accounts_app import proxies

    proxies.seal_pending(apps)


class AccountsAppConfig(AppConfig):
    name = "accounts_app"
    verbose_name = "Instagram accounts and logins"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from accounts_app import proxies, vault

        # Proxies an older igdash stored in clear, which the migration could not
        # seal because passphrase mode was locked: sealed at the unlock (before
        # the scrapes waiting for it resume), or after a later migrate.
        if proxies.seal_pending not in vault.AFTER_UNLOCK:
            vault.AFTER_UNLOCK.append(proxies.seal_pending)
        post_migrate.connect(
            _seal_pending_proxies, sender=self, dispatch_uid="accounts-app-seal-proxies"
        )
