from __future__ import annotations

from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "content"
    verbose_name = "Content analytics"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from content.runner import ContentScrapePart
        from content.services import nightly_parts
        from content.stored import on_scrape_finalised, refresh_missing
        from scraping.services import extra_parts
        from scraping.signals import scrape_finalised

        # scraping may not import content (docs/architecture.md): the engine runs
        # the posts-and-reels part through this registration.
        extra_parts.register(ContentScrapePart())
        extra_parts.register_nightly(nightly_parts)
        # A follower scrape or an import adds to the follower history every
        # engagement rate divides by: the stored figures follow it.
        scrape_finalised.connect(on_scrape_finalised, dispatch_uid="content.stored")
        # Posts stored before their figures were (an upgrade): computed once the
        # tables are this release's.
        post_migrate.connect(refresh_missing, sender=self, dispatch_uid="content.refresh_missing")
