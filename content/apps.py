from __future__ import annotations

from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "content"
    verbose_name = "Content analytics"

    def ready(self) -> None:
        from content.runner import ContentScrapePart
        from content.services import nightly_parts
        from scraping.services import extra_parts

        # scraping may not import content (docs/architecture.md): the engine runs
        # the posts-and-reels part through this registration.
        extra_parts.register(ContentScrapePart())
        extra_parts.register_nightly(nightly_parts)
