"""What a content listing returns, as the Instagram clients will hand it over.

STAND-IN: the wire work adds these exact dataclasses to
scraping/instagram/types.py in parallel; when it lands, this module becomes
`from scraping.instagram.types import Media, MediaPage` (or is deleted and its
importers point there). Keep the fields identical until then.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Media:
    pk: int
    shortcode: str
    owner_pk: int
    product_type: str  # "feed" | "clips" | "carousel" | "igtv"
    media_type: int
    taken_at: dt.datetime  # aware, UTC
    caption: str
    likes: int | None  # None: hidden or not sent (never 0 or the fake 3)
    comments: int | None
    plays: int | None
    ig_plays: int | None
    views: int | None
    duration: float | None
    coauthors: tuple[str, ...]
    thumbnail_url: str


@dataclass(frozen=True)
class MediaPage:
    items: list[Media]
    next_cursor: str | None
    more: bool
