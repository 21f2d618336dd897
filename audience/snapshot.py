"""The Audience tab's figures kept in the database, one row per account, for
the version of the data they were computed from.

Computing them (the commenters aggregate crossed with the follower history,
the shares, the flags, the post timelines) costs about 1.5 s for 20,000
commenters against a 1,000,000-follower history (docs/performance.md
"Audience"); reading them back costs one row and a JSON decode. The worker
writes them after each finished scrape of an account that has comments
(`on_scrape_finalised`, then the `audience.refresh_figures` task once the
scrape is committed), so the owner's first look after a nightly scrape does
not pay the computation; a request that finds no row of its version computes
and stores it itself.

Rows are stored as lists in the tab's default order (most comments first),
times as whole microseconds since the epoch (exact, unlike float seconds, so
a cursor made from a stored row equals one made from a computed row).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import DatabaseError, transaction

from audience.analytics import Commenter
from audience.models import AudienceSnapshot, Comment, PostComments
from content.models import Post

log = logging.getLogger(__name__)

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MICRO = dt.timedelta(microseconds=1)
FORMAT = 1  # bump when the stored shape changes: an older row is recomputed


def _micros(value: dt.datetime | None) -> int | None:
    return None if value is None else (value - EPOCH) // MICRO


def _time(value: int | None) -> dt.datetime | None:
    return None if value is None else EPOCH + value * MICRO


def encode_row(row: Commenter) -> list[Any]:
    return [
        row.author_id, row.ig_pk, row.username, row.full_name, row.is_private,
        row.is_verified, row.comments, row.posts, _micros(row.first_at),
        _micros(row.last_at), row.recent_posts, row.follows, _micros(row.following_since),
        row.loyal, row.left, row.new_follower_commented_first,
    ]  # fmt: skip


def decode_row(values: list[Any]) -> Commenter:
    (author_id, ig_pk, username, full_name, private, verified, comments, posts, first,
     last, recent, follows, since, loyal, left, new_first) = values  # fmt: skip
    return Commenter(
        author_id=author_id, ig_pk=ig_pk, username=username, full_name=full_name,
        is_private=private, is_verified=verified, comments=comments, posts=posts,
        first_at=EPOCH + first * MICRO, last_at=EPOCH + last * MICRO,
        recent_posts=recent, follows=follows, following_since=_time(since), loyal=loyal,
        left=left, new_follower_commented_first=new_first,
    )  # fmt: skip


def _encode_posts(posts: list[dict[str, Any]]) -> list[list[Any]]:
    return [
        [
            item["post"].pk,
            item["listing"].pk if item["listing"] is not None else None,
            [list(point) for point in item["timeline"]],
        ]
        for item in posts
    ]


def _decode_posts(stored: list[list[Any]]) -> list[dict[str, Any]] | None:
    """The post listings, their Post and PostComments rows read in two queries;
    None when one of them is gone (then the figures are computed again)."""
    posts = Post.objects.in_bulk([post_id for post_id, _, _ in stored])
    listings = PostComments.objects.in_bulk([lid for _, lid, _ in stored if lid is not None])
    out = []
    for post_id, listing_id, timeline in stored:
        post = posts.get(post_id)
        listing = listings.get(listing_id) if listing_id is not None else None
        if post is None or (listing_id is not None and listing is None):
            return None
        out.append({"post": post, "listing": listing, "timeline": [tuple(p) for p in timeline]})
    return out


Stored = tuple[list[Commenter], dict[str, Any], list[dict[str, Any]]]


def load(target_id: int, version: str) -> Stored | None:
    """The stored figures of `version`: (rows in the default order, shares,
    post listings), or None when the row is missing, older or unreadable."""
    data = (
        AudienceSnapshot.objects.filter(target_id=target_id, version=version)
        .values_list("data", flat=True)
        .first()
    )
    if not data or data.get("format") != FORMAT:
        return None
    posts = _decode_posts(data["posts"])
    if posts is None:
        return None
    return [decode_row(values) for values in data["rows"]], data["shares"], posts


def save(target_id: int, version: str, figures: Stored) -> None:
    """Store the figures of `version` (rows already in the default order). A
    failure is logged and costs only the next request's computation: the
    figures are a cache of the comments, never the only copy of anything."""
    rows, shares, posts = figures
    data = {
        "format": FORMAT,
        "rows": [encode_row(row) for row in rows],
        "shares": shares,
        "posts": _encode_posts(posts),
    }
    try:
        with transaction.atomic():
            AudienceSnapshot.objects.update_or_create(
                target_id=target_id, defaults={"version": version, "data": data}
            )
    except DatabaseError:
        log.warning("could not store the audience figures of account %s", target_id, exc_info=True)


def on_scrape_finalised(sender: object, *, scrape_id: int, target_id: int, **_: object) -> None:
    """scraping's signal, inside the finalise transaction: once it commits, a
    worker computes the figures the tab will ask for (accounts with comments
    only; any scrape counts: a follower scrape changes who follows)."""
    if not Comment.objects.filter(target_id=target_id).exists():
        return
    from audience.tasks import refresh_figures_task

    transaction.on_commit(lambda: refresh_figures_task.delay(target_id))
