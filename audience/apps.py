from __future__ import annotations

from django.apps import AppConfig


class AudienceConfig(AppConfig):
    name = "audience"
    verbose_name = "Audience analysis"

    def ready(self) -> None:
        from audience.runner import CommentsScrapePart
        from audience.services import nightly_parts
        from audience.snapshot import on_scrape_finalised
        from scraping.services import extra_parts
        from scraping.signals import scrape_finalised

        # scraping may not import audience (docs/architecture.md): the engine runs
        # the comments part through this registration, after content's posts part
        # (content is installed first, so its part is registered first).
        extra_parts.register(CommentsScrapePart())
        extra_parts.register_nightly(nightly_parts)
        # The tab's figures of an account with comments, computed by the worker
        # once a scrape of it is committed, not by the owner's first look.
        scrape_finalised.connect(on_scrape_finalised, dispatch_uid="audience.snapshot")
