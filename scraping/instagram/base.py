"""The one interface all Instagram clients share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from scraping.instagram.endpoints import Direction
from scraping.instagram.types import Page, Profile, UserRecord

# Called with an endpoint family ("web_api", "graphql", "mobile_api") before every
# HTTP request. It may sleep, or raise RateLimited to stop the request being sent.
Pacer = Callable[[str], None]


class InstagramClient(Protocol):
    name: str

    def get_profile(self, username: str) -> Profile: ...

    def list_page(self, user_pk: int, direction: Direction, cursor: str | None) -> Page: ...


def collect_list(
    client: InstagramClient, user_pk: int, direction: Direction, *, max_pages: int | None = None
) -> tuple[list[UserRecord], bool]:
    """Page through a whole list, de-duplicated on pk, in Instagram's order.

    Returns the users and whether Instagram capped the list. The scrape engine pages
    itself (it checkpoints every page); this serves commands and tests.
    """
    seen: set[int] = set()
    users: list[UserRecord] = []
    capped = False
    cursor: str | None = None
    pages = 0
    while True:
        page = client.list_page(user_pk, direction, cursor)
        pages += 1
        capped = capped or page.capped
        for user in page.users:
            if user.pk not in seen:
                seen.add(user.pk)
                users.append(user)
        cursor = page.next_cursor
        if cursor is None or (max_pages is not None and pages >= max_pages):
            return users, capped
