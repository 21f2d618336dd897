"""Writes of a content listing: each page of posts in one transaction with its
checkpoint, and the verdict at the end (docs/content-analytics.md "Storing").

store_page costs a fixed number of statements a page whatever its size (one
read of the known posts with their open metrics, bulk upserts and inserts), and
storing a page twice changes nothing: posts are upserted by (target, pk), a
metrics row is written only when a value changed, and a page whose cursor is
already the checkpoint does not count again. finalise marks posts removed only
after a complete listing, and only inside the dates that listing covered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q

from content import stored
from content.captions import hashtags, mentions
from content.models import ContentPart, Listing, Post, PostMetrics, PostTag, ProductType, TagKind
from scraping.instagram.types import Media
from scraping.models import Scrape

# Instagram shows up to 3 pinned posts (and 3 pinned reels) at the head of a
# listing, in any date order; only items listed after them move the frontier.
PINNED_HEAD = 3
# Bulk statements hold at most this many rows (SQLite allows 32,766 parameters).
CHUNK = 500
SHORTCODE_MAX = Post._meta.get_field("shortcode").max_length or 64

Counts = tuple[int | None, int | None, int | None, int | None, int | None]


def _table(model: type) -> str:
    return connection.ops.quote_name(model._meta.db_table)  # type: ignore[attr-defined]


# Pages are written with raw executemany, as scraping's page store does
# (docs/performance.md "Background": the ORM's bulk_create costs ~5x, most of a
# page's own time). Plain INSERT ... ON CONFLICT, which SQLite (3.24+) and
# PostgreSQL both speak. Identifiers come from model metadata; every value is
# a query parameter.
_POST, _METRICS, _TAG = _table(Post), _table(PostMetrics), _table(PostTag)
_COUNTS = ", ".join(PostMetrics.FIELDS)
UPSERT_POST = f"""
INSERT INTO {_POST}
    (target_id, ig_pk, shortcode, owner_pk, product_type, media_type, taken_at, caption,
     duration, coauthors, thumbnail_url, thumbnail, first_seen_id, last_seen_id, removed_by_id)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, '', %s, %s, NULL)
ON CONFLICT (target_id, ig_pk) DO UPDATE SET
    shortcode = excluded.shortcode,
    owner_pk = excluded.owner_pk,
    product_type = excluded.product_type,
    media_type = excluded.media_type,
    taken_at = excluded.taken_at,
    caption = excluded.caption,
    duration = excluded.duration,
    coauthors = excluded.coauthors,
    thumbnail_url = excluded.thumbnail_url,
    last_seen_id = excluded.last_seen_id,
    removed_by_id = NULL
"""  # noqa: S608  (removed_by cleared: seen again, it was archived, not deleted)
INSERT_METRICS = (
    f"INSERT INTO {_METRICS} (post_id, {_COUNTS}, first_seen_id, ended_by_id) "  # noqa: S608
    "VALUES (%s, %s, %s, %s, %s, %s, %s, NULL)"
)
AMEND_METRICS = (
    f"UPDATE {_METRICS} SET "  # noqa: S608
    + ", ".join(f"{name} = %s" for name in PostMetrics.FIELDS)
    + " WHERE id = %s"
)
INSERT_TAG = (
    f"INSERT INTO {_TAG} (post_id, target_id, kind, tag) VALUES (%s, %s, %s, %s) "  # noqa: S608
    "ON CONFLICT (post_id, kind, tag) DO NOTHING"
)


def _known_sql(count: int) -> str:
    marks = ", ".join(["%s"] * count)
    opened = ", ".join(f"m.{name}" for name in PostMetrics.FIELDS)
    return (
        f"SELECT p.ig_pk, p.id, p.last_seen_id, p.caption, m.id, m.first_seen_id, {opened} "  # noqa: S608
        f"FROM {_POST} p LEFT JOIN {_METRICS} m ON m.post_id = p.id AND m.ended_by_id IS NULL "
        f"WHERE p.target_id = %s AND p.ig_pk IN ({marks})"
    )


def _ids_sql(count: int) -> str:
    marks = ", ".join(["%s"] * count)
    return f"SELECT ig_pk, id FROM {_POST} WHERE target_id = %s AND ig_pk IN ({marks})"  # noqa: S608


def _count(value: int | None) -> int | None:
    """A count as stored: unknown stays unknown, and Instagram's negative
    markers (a like_count of -1 for hidden likes) are unknown too, never 0."""
    if value is None or isinstance(value, bool) or value < 0:
        return None
    return int(value)


def counts(media: Media) -> Counts:
    return (
        _count(media.likes),
        _count(media.comments),
        _count(media.plays),
        _count(media.ig_plays),
        _count(media.views),
    )


def _merge(old: Counts, new: Counts) -> Counts:
    """Two sightings within one scrape (a reel in the grid and the reels tab, an
    item repeated across pages): what one saw and the other did not is known."""
    return tuple(n if n is not None else o for o, n in zip(old, new, strict=True))  # type: ignore[return-value]


@dataclass
class _Known:
    id: int
    last_seen_id: int | None
    caption: str
    open_id: int | None
    open_from: int | None
    counts: Counts


def _read_known(cursor: object, target_id: int, pks: list[int]) -> dict[int, _Known]:
    """The posts of these pks already stored, with their open metrics row."""
    known: dict[int, _Known] = {}
    for start in range(0, len(pks), CHUNK):
        chunk = pks[start : start + CHUNK]
        cursor.execute(_known_sql(len(chunk)), [target_id, *chunk])  # type: ignore[attr-defined]
        for pk, post_id, last_seen, caption, open_id, open_from, *values in cursor.fetchall():  # type: ignore[attr-defined]
            known[pk] = _Known(post_id, last_seen, caption, open_id, open_from, tuple(values))
    return known


def _tags(post_id: int, target_id: int, caption: str) -> list[tuple[int, int, int, str]]:
    return [
        (post_id, target_id, kind, tag)
        for kind, found in (
            (TagKind.HASHTAG, hashtags(caption)),
            (TagKind.MENTION, mentions(caption)),
        )
        for tag in found
    ]


def _frontier(part: ContentPart, listing: str, items: Sequence[Media]) -> object:
    """The date of the last item listed past the pinned head, else the stored one."""
    before = getattr(part, f"{listing}_items")
    frontier = getattr(part, f"{listing}_frontier")
    for position, media in enumerate(items, start=before + 1):
        if position > PINNED_HEAD:
            frontier = media.taken_at
    return frontier


def store_page(
    scrape: Scrape,
    part: ContentPart,
    items: Sequence[Media],
    *,
    listing: str = Listing.FEED,
    next_cursor: str | None = None,
    more: bool = False,
    worker: str | None = None,
) -> int:
    """Store one page of `listing` (feed or clips) and advance its checkpoint in
    the same transaction; returns how many posts were new to this scrape.

    `next_cursor`/`more`: the page's paging answer (the checkpoint to resume
    from, and whether the listing goes on). `worker`: when given, the scrape
    must still be this worker's (scraping.services.store.touch, LostClaim)."""
    if listing not in Listing.values:
        raise ValueError(f"unknown listing {listing!r}")
    target_id = scrape.target_id
    assert target_id is not None  # a scrape loses its target only when never found
    page: dict[int, tuple[Media, Counts]] = {}
    for media in items:  # repeats within a page: one post, counts merged
        seen = page.get(media.pk)
        page[media.pk] = (media, _merge(seen[1], counts(media)) if seen else counts(media))
    state = part.state(listing)
    # The same answer stored again (a retried call): its data is upserted, its
    # page is not counted twice.
    repeat = (
        state["pages"] > 0
        and state["cursor"] == (next_cursor or "")
        and state["exhausted"] == (not more)
    )
    with transaction.atomic(), connection.cursor() as cursor:
        if worker is not None:
            from scraping.services.store import touch

            touch(scrape.pk, worker)
        new_to_scrape, brand_new = _write_posts(cursor, scrape, target_id, page)
        _checkpoint(part, listing, items, new_to_scrape, brand_new, next_cursor, more, repeat)
    return new_to_scrape


def _write_posts(
    cursor: Any, scrape: Scrape, target_id: int, page: dict[int, tuple[Media, Counts]]
) -> tuple[int, int]:
    """Upsert the posts of `page` with their metrics and tags; returns how many
    were new to this scrape and how many new to igdash."""
    pks = list(page)
    known = _read_known(cursor, target_id, pks)
    new_to_scrape = sum(1 for pk in pks if pk not in known or known[pk].last_seen_id != scrape.pk)
    brand_new = [pk for pk in pks if pk not in known]
    adapt = connection.ops.adapt_datetimefield_value
    coauthors = Post._meta.get_field("coauthors")
    rows = [
        (
            target_id,
            pk,
            media.shortcode[:SHORTCODE_MAX],
            media.owner_pk,
            media.product_type,
            media.media_type,
            adapt(media.taken_at),
            media.caption or "",
            media.duration,
            coauthors.get_db_prep_save(list(media.coauthors), connection),
            media.thumbnail_url,
            scrape.pk,
            scrape.pk,
        )
        for pk, (media, _) in page.items()
    ]
    if rows:
        cursor.executemany(UPSERT_POST, rows)
    ids = {pk: row.id for pk, row in known.items()}
    for start in range(0, len(brand_new), CHUNK):
        chunk = brand_new[start : start + CHUNK]
        cursor.execute(_ids_sql(len(chunk)), [target_id, *chunk])
        ids.update(cursor.fetchall())
    _write_metrics(cursor, scrape, page, known, ids)
    _write_tags(cursor, target_id, page, known, ids)
    return new_to_scrape, len(brand_new)


def store_info(
    scrape: Scrape, part: ContentPart, pk: int, media: Media | None, *, worker: str | None = None
) -> None:
    """One reel's media info answer (the play-count fetch), merged into what this
    scrape saw of it, and the fetch's checkpoint (`pk`, asked for) in the same
    transaction. `media` None: Instagram no longer has the post; nothing is
    written but the checkpoint (only a complete listing removes posts)."""
    target_id = scrape.target_id
    assert target_id is not None
    fields: dict[str, object] = {"info_cursor": pk}
    with transaction.atomic(), connection.cursor() as cursor:
        if worker is not None:
            from scraping.services.store import touch

            touch(scrape.pk, worker)
        if media is not None and media.pk == pk:
            _write_posts(cursor, scrape, target_id, {pk: (media, counts(media))})
            fields["info_fetched"] = F("info_fetched") + 1
            part.info_fetched += 1
        part.info_cursor = pk
        ContentPart.objects.filter(pk=part.pk).update(**fields)


def _write_metrics(
    cursor: object,
    scrape: Scrape,
    page: dict[int, tuple[Media, Counts]],
    known: dict[int, _Known],
    ids: dict[int, int],
) -> None:
    """A new interval row for a post whose counts changed (or that has none);
    a row opened by this same scrape is completed in place instead."""
    opened: list[tuple] = []
    closed: list[int] = []
    amended: list[tuple] = []
    for pk, (_, new) in page.items():
        row = known.get(pk)
        if row is None or row.open_id is None:
            opened.append((ids[pk], *new, scrape.pk))
        elif row.open_from == scrape.pk:
            merged = _merge(row.counts, new)
            if merged != row.counts:
                amended.append((*merged, row.open_id))
        elif new != row.counts:
            closed.append(row.open_id)
            opened.append((ids[pk], *new, scrape.pk))
    # Closed before the new rows open: one open row a post (a partial unique index).
    for start in range(0, len(closed), CHUNK):
        PostMetrics.objects.filter(id__in=closed[start : start + CHUNK]).update(ended_by=scrape)
    if opened:
        cursor.executemany(INSERT_METRICS, opened)  # type: ignore[attr-defined]
    if amended:
        cursor.executemany(AMEND_METRICS, amended)  # type: ignore[attr-defined]


def _write_tags(
    cursor: object,
    target_id: int,
    page: dict[int, tuple[Media, Counts]],
    known: dict[int, _Known],
    ids: dict[int, int],
) -> None:
    """Tags of new posts and of posts whose caption was edited."""
    changed = [
        pk
        for pk, (media, _) in page.items()
        if pk not in known or known[pk].caption != (media.caption or "")
    ]
    edited = [ids[pk] for pk in changed if pk in known]
    for start in range(0, len(edited), CHUNK):
        PostTag.objects.filter(post_id__in=edited[start : start + CHUNK]).delete()
    rows = [tag for pk in changed for tag in _tags(ids[pk], target_id, page[pk][0].caption or "")]
    if rows:
        cursor.executemany(INSERT_TAG, rows)  # type: ignore[attr-defined]


def _checkpoint(
    part: ContentPart,
    listing: str,
    items: Sequence[Media],
    fetched: int,
    new_posts: int,
    next_cursor: str | None,
    more: bool,
    repeat: bool,
) -> None:
    """Advance the listing's progress; a repeated page counts once."""
    fields: dict[str, object] = {
        "fetched": F("fetched") + fetched,
        "new_posts": F("new_posts") + new_posts,
    }
    part.fetched += fetched
    part.new_posts += new_posts
    if not repeat:
        frontier = _frontier(part, listing, items)
        values = {
            "cursor": next_cursor or "",
            # Only Instagram's "no more" ends a listing: "more" without a cursor
            # is a listing the runner cannot go on with (partial), not its end.
            "exhausted": not more,
            "frontier": frontier,
        }
        for name, value in values.items():
            setattr(part, f"{listing}_{name}", value)
            fields[f"{listing}_{name}"] = value
        fields[f"{listing}_pages"] = F(f"{listing}_pages") + 1
        fields[f"{listing}_items"] = F(f"{listing}_items") + len(items)
        setattr(part, f"{listing}_pages", getattr(part, f"{listing}_pages") + 1)
        setattr(part, f"{listing}_items", getattr(part, f"{listing}_items") + len(items))
    ContentPart.objects.filter(pk=part.pk).update(**fields)


def judge(part: ContentPart) -> str:
    """Why the content part is incomplete, or "" when every listing it asked
    for reached its end or its window."""
    if part.incomplete_reason:
        return part.incomplete_reason
    if not part.listings:
        return "no listing was asked for"
    for listing in part.listings:
        state = part.state(listing)
        if state["exhausted"]:
            continue
        if part.mode == ContentPart.Mode.LAST and part.limit and state["items"] >= part.limit:
            continue
        frontier = state["frontier"]
        if (
            part.mode == ContentPart.Mode.SINCE
            and part.since
            and frontier
            and frontier < part.since
        ):
            continue
        return f"the {Listing(listing).label.lower()} listing stopped before its end"
    return ""


def covered(part: ContentPart, listing: str) -> Q | None:
    """The posts a complete listing must have seen if they still exist, or None
    when it covered none: the grid answers for every post but reels (a reel may
    be left off the grid), the reels tab for reels; a listing that did not run
    out covers only the dates after its frontier (never the pinned head alone)."""
    kind = Q(product_type=ProductType.CLIPS)
    posts = kind if listing == Listing.CLIPS else ~kind
    state = part.state(listing)
    if state["exhausted"]:
        return posts
    if state["frontier"] is None:
        return None
    return posts & Q(taken_at__gt=state["frontier"])


EMPTY_REFUSAL = "Instagram answered an empty {noun} listing although igdash knows {count:,} {noun}"


def _empty_refusal(scrape: Scrape, part: ContentPart) -> str:
    """A listing that ran out without listing anything, for an account with
    posts it covers, is Instagram refusing (as an empty follower list is,
    docs/scraping.md), not an account that deleted everything overnight: judged
    partial, so it removes nothing. One query a listing."""
    for listing in part.listings:
        state = part.state(listing)
        if state["items"] or not state["exhausted"]:
            continue
        where = covered(part, listing)
        count = (
            Post.objects.filter(target_id=scrape.target_id, removed_by__isnull=True)
            .filter(where)
            .count()
        )
        if count:
            noun = "reels" if listing == Listing.CLIPS else "posts"
            return EMPTY_REFUSAL.format(noun=noun, count=count)
    return ""


def finalise(scrape: Scrape, part: ContentPart, *, worker: str | None = None) -> ContentPart:
    """Judge the part and, only when it is complete, mark removed the posts its
    listings covered and did not see. A partial removes nothing."""
    with transaction.atomic():
        if worker is not None:
            from scraping.services.store import touch

            touch(scrape.pk, worker)
        # The stored checkpoint, not the caller's copy: a resumed runner may
        # hold a part read before pages another attempt stored.
        part.refresh_from_db()
        reason = judge(part) or _empty_refusal(scrape, part)
        part.complete = not reason
        part.incomplete_reason = reason[:255]
        part.removed = 0
        if part.complete:
            unseen = Post.objects.filter(
                target_id=scrape.target_id, removed_by__isnull=True
            ).exclude(last_seen_id=scrape.pk)
            for listing in part.listings:
                where = covered(part, listing)
                if where is not None:
                    part.removed += unseen.filter(where).update(removed_by=scrape)
        part.save(update_fields=["complete", "incomplete_reason", "removed"])
        # The figures the Content tab reads (content/stored.py), partial or not:
        # what the pages stored are the last known counts either way.
        assert scrape.target_id is not None  # a content scrape has its target
        stored.refresh(scrape.target_id)
    return part
