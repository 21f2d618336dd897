"""What the page-store scenarios (the `*_scenario.py` modules that
test_*_postgres.py run in their own process) share: a followers scrape that a
worker has claimed and whose target's profile is stored, ready for pages; and
the users it staged. Call after django.setup()."""

from __future__ import annotations

from typing import Any


def running_scrape(
    username: str,
    pk: int,
    *,
    followers: int,
    worker: str = "w",
    full_name: str = "",
    picture: str = "",
) -> tuple[Any, Any]:
    """(scrape, its followers ScrapeList), claimed by `worker`."""
    from scraping.instagram.types import Profile
    from scraping.models import ScrapeList
    from scraping.services import create_scrape
    from scraping.services.scrapes import claim
    from scraping.services.store import attach_profile

    created = create_scrape(username, lists="followers", trigger="command", source="private")
    scrape = claim(created.pk, worker)
    assert scrape is not None
    profile = Profile(
        pk=pk, username=username, full_name=full_name, profile_pic_url=picture,
        is_verified=False, is_private=False, follower_count=followers, following_count=0,
    )  # fmt: skip
    attach_profile(scrape, worker, profile)
    return scrape, ScrapeList.objects.get(scrape=scrape)


def staged(scrape: Any, field: str) -> list[Any]:
    """`field` of every user the scrape has staged, sorted."""
    from scraping.models import ScrapeSeen

    return sorted(ScrapeSeen.objects.filter(scrape=scrape).values_list(field, flat=True))
