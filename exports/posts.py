"""Exports of a tracked account's posts and reels, and of its hashtag table.

One row per post: its identity, its caption's hashtags and mentions, and its
counts as they are now or as scrape N saw them (`at`: the metrics interval
that scrape fell in, docs/content-analytics.md), with its engagement rate and
tier. Unknown counts (hidden likes, a play count Instagram did not give) stay
unknown: an empty CSV cell, JSON null, an empty XLSX cell; never 0.

Memory: a tier needs the account's median, so it is read first (now: two
small queries over the stored rates; `at`: the numbers of every post from
content.analytics.post_rates, about 200 bytes a post); the captions, the only
big field, are then read CHUNK_SIZE rows at a time and written as they come,
so the file never sits in memory whole. Dates are ISO
8601 in UTC ("2026-03-01T18:04:05Z"), whatever TIME_ZONE is: a post's time is
Instagram's, not the owner's clock; XLSX gets a date cell holding the UTC time.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import BinaryIO

from django.db import connection
from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl import Workbook

from accounts_app.models import TrackedAccount
from content import analytics
from content.models import Post, PostTag, ProductType, TagKind
from exports.files import CONTENT_TYPES, Format
from exports.lists import FINISHED, ListError, Row, parse_scrape_id
from exports.writers import csv_chunks, json_chunks, row_converter
from exports.xlsx import _int, _SheetWriter, _text
from scraping.models import Scrape

CHUNK_SIZE = 2000
RATE_DIGITS = 4  # percent with 4 decimals: 3.1416 (%)


NO_TAGS: tuple[list[str], list[str]] = ([], [])


def _tag_text(joined: str | None) -> str:
    """The joined tags of one post as a CSV / XLSX cell ("" without any)."""
    return joined or ""


def _tag_list(joined: str | None) -> list[str]:
    """The joined tags of one post as a JSON list (a tag holds no space)."""
    return joined.split(" ") if joined else []


class ContentListName(StrEnum):
    POSTS = "posts"
    HASHTAGS = "hashtags"


# (name, kind) as in exports/lists.py. "utc": a time in UTC (ISO text in CSV and
# JSON, a date cell in XLSX); "tags": a list (JSON) or space-separated (CSV, XLSX).
POST_COLUMNS: tuple[tuple[str, str], ...] = (
    ("pk", "int"),
    ("shortcode", "text"),
    ("url", "url"),
    ("product_type", "text"),
    ("taken_at", "utc"),
    ("caption", "text"),
    ("hashtags", "tags"),
    ("mentions", "tags"),
    ("duration_seconds", "float"),
    ("likes", "int"),
    ("comments", "int"),
    ("plays", "int"),
    ("views", "int"),
    ("engagement_rate", "float"),
    ("tier", "text"),
)
HASHTAG_COLUMNS: tuple[tuple[str, str], ...] = (
    ("hashtag", "text"),
    ("posts", "int"),
    ("median_engagement_rate", "float"),
    ("median_plays", "float"),
    ("rank", "int"),
)
PROFILE_COLUMNS: tuple[tuple[str, str], ...] = (("field", "text"), ("value", "text"))


def content_list_names() -> list[str]:
    return [name.value for name in ContentListName]


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, RATE_DIGITS)


def _float(value: float | None) -> float | None:
    """A median as a float: 994 and 656.5 alike (statistics.median hands back
    the middle value itself for an odd count)."""
    return None if value is None else float(value)


def _tags_sql() -> str:
    """post_id, kind and the tags joined by spaces in caption (id) order, per post
    and kind, of one target. SQLite's group_concat keeps the order of the
    ordered subquery it reads; PostgreSQL's string_agg is told the order."""
    table = connection.ops.quote_name(PostTag._meta.db_table)
    if connection.vendor == "postgresql":
        return (
            "SELECT post_id, kind, string_agg(tag, ' ' ORDER BY id) "  # noqa: S608
            f"FROM {table} WHERE target_id = %s GROUP BY post_id, kind"
        )
    return (
        "SELECT post_id, kind, group_concat(tag, ' ') FROM ("  # noqa: S608
        f"SELECT post_id, kind, tag FROM {table} WHERE target_id = %s ORDER BY post_id, id"
        ") GROUP BY post_id, kind"
    )


def _utc_text(value: dt.datetime) -> str:
    """2026-03-01T18:04:05Z (isoformat and a slice: a third of strftime's cost)."""
    return value.astimezone(dt.UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def _live_posts_sql() -> str:
    """Every live post of one target, newest first, with its stored figures
    (content/stored.py) and its hashtags and mentions joined by spaces in
    caption (id) order: one read instead of three (figures, tags, captions:
    ~65 + ~55 ms of a ~260 ms CSV export at 10,000 posts, docs/performance.md
    "Content"). On SQLite the date is read as its stored text (`|| ''`: no
    column type, so the driver's datetime converter does not run) and a
    correlated group_concat keeps the order of its ordered subquery;
    PostgreSQL's string_agg is told the order. Parameters: hashtag kind,
    mention kind, target."""
    post = connection.ops.quote_name(Post._meta.db_table)
    tag = connection.ops.quote_name(PostTag._meta.db_table)
    if connection.vendor == "postgresql":
        taken = "p.taken_at"
        joined = (
            f"(SELECT string_agg(t.tag, ' ' ORDER BY t.id) FROM {tag} t"  # noqa: S608
            " WHERE t.post_id = p.id AND t.kind = %s)"
        )
    else:
        taken = "p.taken_at || ''"
        joined = (
            f"(SELECT group_concat(tag, ' ') FROM (SELECT t.tag FROM {tag} t"  # noqa: S608
            " WHERE t.post_id = p.id AND t.kind = %s ORDER BY t.id))"
        )
    return (
        f"SELECT p.ig_pk, p.shortcode, p.product_type, {taken}, p.caption, p.duration,"  # noqa: S608
        f" p.likes, p.comments, p.plays, p.views, p.rate, {joined}, {joined}"
        f" FROM {post} p WHERE p.target_id = %s AND p.removed_by_id IS NULL"
        " ORDER BY p.taken_at DESC, p.id DESC"
    )


def _iso_utc(value: str | dt.datetime) -> str:
    """A stored time as 2026-03-01T18:04:05Z. SQLite hands back Django's stored
    UTC text ("2026-03-01 18:04:05[.ffffff]"): sliced, not parsed (the
    datetime round trip was ~30 ms of the CSV export at 10,000 posts)."""
    if isinstance(value, str):
        return f"{value[:10]}T{value[11:19]}Z"
    return _utc_text(value)


def _naive_utc(value: str | dt.datetime) -> dt.datetime:
    """A stored time as a naive UTC datetime (an XLSX date cell)."""
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    return value.astimezone(dt.UTC).replace(tzinfo=None)


_CLIPS = ProductType.CLIPS.value  # a plain str: comparing with the enum member costs more


def _post_url(product_type: str, shortcode: str) -> str:
    kind = "reel" if product_type == _CLIPS else "p"
    return f"https://www.instagram.com/{kind}/{shortcode}/"


@dataclass(frozen=True)
class ContentExport:
    """The posts or the hashtag table of one target, now or as of scrape `at`."""

    target: TrackedAccount
    name: ContentListName
    at: Scrape | None = None

    @property
    def columns(self) -> tuple[tuple[str, str], ...]:
        return POST_COLUMNS if self.name is ContentListName.POSTS else HASHTAG_COLUMNS

    def filename(self, fmt: Format, when: dt.datetime | None = None) -> str:
        """igdash_<handle>_<posts|hashtags>_<YYYYmmdd-HHMM>.<ext>, like the list exports."""
        stamp = timezone.localtime(when or timezone.now()).strftime("%Y%m%d-%H%M")
        return f"igdash_{self.target.user.username}_{self.name}_{stamp}.{fmt}"

    def rates(self) -> list[analytics.PostRate]:
        """Now: the figures stored on each post (one read, content/stored.py);
        as of a scrape: computed from the metrics intervals that scrape fell in."""
        if self.at is None:
            return analytics.current_rates(self.target.pk)
        return analytics.post_rates(self.target.pk, at=self.at.pk)

    def tags(self) -> dict[int, tuple[list[str], list[str]]]:
        """Each post's hashtags and mentions as the caption parser stored them
        (content.store: in caption order, once each), by post id: joined by the
        database in one grouped read (a tag holds no space), instead of parsing
        every caption again or building a row per tag in Python."""
        found: dict[int, tuple[list[str], list[str]]] = {}
        with connection.cursor() as cursor:
            cursor.execute(_tags_sql(), [self.target.pk])
            for post_id, kind, joined in cursor.fetchall():
                hashtags, mentions = found.setdefault(post_id, ([], []))
                (hashtags if kind == TagKind.HASHTAG else mentions).extend(joined.split(" "))
        return found

    def post_rows(self, fmt: Format, rates: Sequence[analytics.PostRate]) -> Iterator[Row]:
        """POST_COLUMNS rows, newest first, with tags and times as `fmt` wants them."""
        by_id = {rate.post_id: rate for rate in rates}
        median = analytics.baseline(rates)
        stored_tags = self.tags()
        join = fmt is not Format.JSON
        captions_read = (
            Post.objects.filter(target=self.target)
            .order_by("-taken_at", "-id")
            .values_list("id", "caption")
            .iterator(chunk_size=CHUNK_SIZE)
        )
        for post_id, caption in captions_read:
            rate = by_id.get(post_id)
            if rate is None:  # removed (or not yet listed at `at`)
                continue
            tags, names = stored_tags.get(post_id, NO_TAGS)
            url = _post_url(rate.product_type, rate.shortcode)
            yield (
                rate.ig_pk,
                rate.shortcode,
                url,
                rate.product_type,
                rate.taken_at.astimezone(dt.UTC).replace(tzinfo=None)
                if fmt is Format.XLSX
                else _utc_text(rate.taken_at),
                caption,
                " ".join(tags) if join else tags,
                " ".join(names) if join else names,
                rate.duration,
                rate.likes,
                rate.comments,
                rate.plays,
                rate.views,
                _rate(rate.rate),
                analytics.tier(rate.rate, median),
            )

    def hashtag_rows(self, rates: Sequence[analytics.PostRate]) -> Iterator[Row]:
        for row in analytics.hashtag_table(self.target.pk, rates):
            yield (row.tag, row.posts, _rate(row.median_rate), _float(row.median_plays), row.rank)

    def live_post_rows(self, fmt: Format) -> Iterator[Row]:
        """POST_COLUMNS rows of the posts as they are now, newest first, from
        the one read of _live_posts_sql, CHUNK_SIZE rows at a time (the
        captions are never all in memory). The same rows as post_rows over
        current_rates (a test compares the two files byte for byte)."""
        median = analytics.stored_baseline(self.target.pk)
        stamp = _naive_utc if fmt is Format.XLSX else _iso_utc
        tags = _tag_list if fmt is Format.JSON else _tag_text
        tier = analytics.tier
        params = [TagKind.HASHTAG.value, TagKind.MENTION.value, self.target.pk]
        with connection.cursor() as cursor:
            cursor.execute(_live_posts_sql(), params)
            while chunk := cursor.fetchmany(CHUNK_SIZE):
                for (pk, code, kind, taken, caption, duration, likes, comments, plays, views,
                     rate, hashtags, mentions) in chunk:  # fmt: skip
                    yield (
                        pk, code, _post_url(kind, code), kind, stamp(taken), caption,
                        tags(hashtags), tags(mentions), duration, likes, comments, plays, views,
                        _rate(rate), tier(rate, median),
                    )  # fmt: skip

    def rows(self, fmt: Format) -> Iterator[Row]:
        if self.name is ContentListName.POSTS and self.at is None:
            return self.live_post_rows(fmt)
        rates = self.rates()
        if self.name is ContentListName.POSTS:
            return self.post_rows(fmt, rates)
        return self.hashtag_rows(rates)

    def profile_rows(self, rates: Sequence[analytics.PostRate]) -> list[Row]:
        target, user = self.target, self.target.user
        engagement = analytics.account_engagement(rates)
        when = self.at.finished_at or self.at.created_at if self.at else None
        return [
            ("username", user.username),
            ("full_name", user.full_name),
            ("instagram_pk", str(user.ig_pk)),
            ("profile_url", f"https://www.instagram.com/{user.username}/"),
            ("followers", target.follower_count),
            ("following", target.following_count),
            ("posts_exported", len(rates)),
            ("reels_exported", sum(1 for rate in rates if rate.is_reel)),
            ("account_engagement_rate", _rate(engagement.rate)),
            ("engagement_posts", engagement.posts),
            ("engagement_estimated", "yes" if engagement.estimated else "no"),
            ("tier_median_rate", _rate(analytics.baseline(rates))),
            ("median_reel_plays", _float(analytics.median_plays(rates))),
            ("as_of_scrape", f"#{self.at.pk}" if self.at else "latest"),
            ("as_of_utc", _utc_text(when) if when else ""),
            ("exported_utc", _utc_text(timezone.now())),
        ]

    def write(self, fmt: Format, out: BinaryIO) -> int:
        """The whole export to a binary file; returns the number of rows."""
        if fmt is Format.XLSX:
            return self.write_xlsx(out)
        counter = _Counter()
        for chunk in self.stream(fmt, counter):
            out.write(chunk)
        return counter.count

    def stream(self, fmt: Format, counter: _Counter | None = None) -> Iterator[bytes]:
        rows = self.rows(fmt)
        if counter is not None:
            rows = counter.wrap(rows)
        chunks = csv_chunks if fmt is Format.CSV else json_chunks
        return chunks(self.columns, rows)

    def write_xlsx(self, out: BinaryIO) -> int:
        """Profile, Posts and Hashtags sheets (the posts export) or the Hashtags
        sheet alone (the hashtag export), in write-only mode like the lists."""
        rates = self.rates()
        workbook = Workbook(write_only=True)
        count = 0
        sheets: list[tuple[str, tuple[tuple[str, str], ...], Iterator[Row]]] = []
        if self.name is ContentListName.POSTS:
            sheets.append(("Profile", PROFILE_COLUMNS, iter(self.profile_rows(rates))))
            sheets.append(("Posts", POST_COLUMNS, self.post_rows(Format.XLSX, rates)))
        sheets.append(("Hashtags", HASHTAG_COLUMNS, self.hashtag_rows(rates)))
        main = "Posts" if self.name is ContentListName.POSTS else "Hashtags"
        for title, columns, rows in sheets:
            writer = _SheetWriter(workbook, title, columns)
            convert = row_converter(writer.kinds, {"text": _text, "int": _int})
            for row in rows:
                writer.append(convert(row))
                if title == main:
                    count += 1
            writer.finish()
        workbook.save(out)
        return count

    def download(self, fmt: Format) -> HttpResponseBase:
        filename = self.filename(fmt)
        response: HttpResponseBase
        if fmt is Format.XLSX:
            spool = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (FileResponse closes it)
            try:
                self.write_xlsx(spool)
                spool.seek(0)
            except BaseException:
                spool.close()
                raise
            return FileResponse(
                spool, as_attachment=True, filename=filename, content_type=CONTENT_TYPES[fmt]
            )
        response = StreamingHttpResponse(self.stream(fmt), content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = content_disposition_header(True, filename)  # type: ignore[assignment]  # None only without as_attachment and filename
        return response


class _Counter:
    def __init__(self) -> None:
        self.count = 0

    def wrap(self, rows: Iterator[Row]) -> Iterator[Row]:
        for row in rows:
            self.count += 1
            yield row


def get_content_export(
    target: TrackedAccount, name: str, *, at: int | str | None = None
) -> ContentExport:
    """Validate what the user asked for; ListError says what is wrong."""
    try:
        list_name = ContentListName(name)
    except ValueError:
        raise ListError(f"Unknown content list '{name}'. Choose posts or hashtags.") from None
    scrape_id = parse_scrape_id(at) if isinstance(at, str) else at
    scrape = None
    if scrape_id is not None:
        scrape = Scrape.objects.filter(
            pk=scrape_id, target=target, status__in=FINISHED, content__isnull=False
        ).first()
        if scrape is None:
            raise ListError(
                f"Scrape #{scrape_id} is not a finished content scrape of @{target.user.username}."
            )
    return ContentExport(target, list_name, scrape)
