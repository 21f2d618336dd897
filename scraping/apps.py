from __future__ import annotations

from django.apps import AppConfig


class ScrapingConfig(AppConfig):
    name = "scraping"
    verbose_name = "Scraping and history"

    def ready(self) -> None:
        from accounts_app import vault
        from scraping.services import resume_locked_scrapes

        if resume_locked_scrapes not in vault.AFTER_UNLOCK:
            vault.AFTER_UNLOCK.append(resume_locked_scrapes)
