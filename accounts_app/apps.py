from __future__ import annotations

from django.apps import AppConfig


class AccountsAppConfig(AppConfig):
    name = "accounts_app"
    verbose_name = "Instagram accounts and logins"
