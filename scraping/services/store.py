"""Writes of a running scrape: its pages (one page, or those that arrived within a
second, in one transaction), the target's profile, and merging users known only by
username into the rows that learn their pk.

Pages are written with raw executemany (docs/performance.md "Background":
bulk_create is ~5x slower and holds the SQLite write lock that much longer). The
SQL is plain INSERT ... ON CONFLICT, which SQLite (3.24+) and PostgreSQL both speak.
On PostgreSQL a page's users go in with COPY into a temporary table and one
merge statement instead (a statement per user there costs a round trip each,
docs/performance.md "PostgreSQL"); the rows written are the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import IntegrityError, connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import Model
from django.utils import timezone

from accounts_app.models import IgUser, TrackedAccount
from scraping.instagram.types import Page, Profile, UserRecord
from scraping.models import Direction, Relationship, Scrape, ScrapeList, ScrapeSeen

USERNAME_MAX = IgUser._meta.get_field("username").max_length or 64
FULL_NAME_MAX = IgUser._meta.get_field("full_name").max_length or 255


class LostClaim(Exception):
    """The scrape is no longer this worker's (cancelled, or taken over after a
    stale heartbeat): stop without writing anything."""


class TargetConflict(Exception):
    """The profile belongs to an account tracked under another row that is busy."""


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


_IGUSER = _table(IgUser)
# The picture URL is re-signed by Instagram on every answer: it is written when a
# row changes for another reason (or has no picture yet), never on its own.
# Identifiers come from model metadata; every value is a query parameter.
UPSERT_USERS = f"""
INSERT INTO {_IGUSER}
    (ig_pk, username, full_name, profile_pic_url, is_verified, is_private, created_at, updated_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (ig_pk) DO UPDATE SET
    username = excluded.username,
    full_name = excluded.full_name,
    profile_pic_url = excluded.profile_pic_url,
    is_verified = excluded.is_verified,
    is_private = excluded.is_private,
    updated_at = excluded.updated_at
WHERE {_IGUSER}.username <> excluded.username
   OR {_IGUSER}.full_name <> excluded.full_name
   OR {_IGUSER}.is_verified <> excluded.is_verified
   OR {_IGUSER}.is_private <> excluded.is_private
   OR {_IGUSER}.profile_pic_url = ''
"""  # noqa: S608


# Staging rows are written with one statement per SEEN_CHUNK users (SQLite allows
# 32,766 parameters a statement; PostgreSQL 65,535).
SEEN_CHUNK = 1000


def _seen_sql(count: int) -> str:
    marks = ", ".join(["%s"] * count)
    return (
        f"INSERT INTO {_table(ScrapeSeen)} (scrape_id, direction, user_id) "  # noqa: S608
        f"SELECT %s, %s, id FROM {_IGUSER} WHERE ig_pk IN ({marks}) "
        "ON CONFLICT (scrape_id, direction, user_id) DO NOTHING"
    )


# PostgreSQL's write path: the page's users COPYed into a temporary table of the
# session (emptied at every commit), then merged with the same ON CONFLICT rule
# as UPSERT_USERS, in page order (`n`: new users get their ids in the order
# SQLite's executemany gives them), and added to the staging rows in one INSERT.
_PAGE_TABLE = "igdash_page_users"
_PG_PAGE_TABLE = (
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {_PAGE_TABLE} (n integer, ig_pk bigint, "
    "username text, full_name text, profile_pic_url text, is_verified boolean, "
    "is_private boolean) ON COMMIT DELETE ROWS"
)
_PG_COPY = (
    f"COPY {_PAGE_TABLE} (n, ig_pk, username, full_name, profile_pic_url, is_verified, "
    "is_private) FROM STDIN"
)
_PG_MERGE = UPSERT_USERS.replace(
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
    "SELECT ig_pk, username, full_name, profile_pic_url, is_verified, is_private, %s, %s "  # noqa: S608
    f"FROM {_PAGE_TABLE} ORDER BY n",
)
# The merge hands back the ids of the users it inserted or changed (on a first
# scrape, all of them): they go into the staging table straight from RETURNING,
# and leave the page table. Only the users it left as they were are then looked
# up by pk, in a second statement: its snapshot is newer than the merge's, so it
# also sees a user that another scrape's transaction inserted and committed
# while the merge waited on that row (one statement would miss that user). The
# lookup (an index probe and a heap fetch a user) was 40% of a first scrape's
# ingest at 1M (docs/performance.md).
_PG_MERGE_SEEN = (
    f"WITH merged AS ({_PG_MERGE} RETURNING id, ig_pk), "  # noqa: S608
    f"seen AS (INSERT INTO {_table(ScrapeSeen)} (scrape_id, direction, user_id) "
    "SELECT %s, %s, id FROM merged "
    "ON CONFLICT (scrape_id, direction, user_id) DO NOTHING RETURNING 1), "
    f"left_page AS (DELETE FROM {_PAGE_TABLE} page USING merged "
    "WHERE page.ig_pk = merged.ig_pk) "
    "SELECT count(*) FROM seen"
)
_PG_SEEN = (
    f"INSERT INTO {_table(ScrapeSeen)} (scrape_id, direction, user_id) "  # noqa: S608
    f"SELECT %s, %s, u.id FROM {_PAGE_TABLE} page JOIN {_IGUSER} u ON u.ig_pk = page.ig_pk "
    "ON CONFLICT (scrape_id, direction, user_id) DO NOTHING"
)


def touch(scrape_id: int, worker: str, **fields: object) -> None:
    """Heartbeat (plus `fields`) on a scrape this worker still owns, else LostClaim.
    Called inside the transaction whose writes it guards."""
    updated = Scrape.objects.filter(
        pk=scrape_id, claimed_by=worker, status=Scrape.Status.RUNNING
    ).update(heartbeat_at=timezone.now(), **fields)
    if updated != 1:
        raise LostClaim(f"scrape #{scrape_id} is no longer run by {worker}")


# store_pages runs for every page (or second) of every scrape: its statements are
# plain SQL (the ORM's query building cost ~1 ms a page, a sixth of the whole write).
_TOUCH_PAGE = (
    f"UPDATE {_table(Scrape)} SET heartbeat_at = %s, retries = 0 "  # noqa: S608
    "WHERE id = %s AND claimed_by = %s AND status = %s"
)
_PAGE_DONE = (
    f"UPDATE {_table(ScrapeList)} SET fetched = fetched + %s, pages = pages + %s, "  # noqa: S608
    "cursor = %s, exhausted = %s, capped = %s WHERE id = %s"
)
# Placeholders (users known only by username) come from imports; the unique
# index on ig_pk holds the NULLs first, so asking costs one index probe.
_ANY_PLACEHOLDER = f"SELECT 1 FROM {_IGUSER} WHERE ig_pk IS NULL LIMIT 1"  # noqa: S608


def store_pages(scrape: Scrape, worker: str, part: ScrapeList, pages: Sequence[Page]) -> int:
    """Write consecutive pages of `part` in one transaction (one page, or the
    pages that arrived within a second, docs/scraping.md); returns how many users
    were new to this scrape's list (overlapping pages repeat users). The cursor
    stored is the last page's."""
    users = list({user.pk: user for page in pages for user in page.users}.values())
    last = pages[-1]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_TOUCH_PAGE, [now, scrape.pk, worker, Scrape.Status.RUNNING])
        if cursor.rowcount != 1:
            raise LostClaim(f"scrape #{scrape.pk} is no longer run by {worker}")
        added = 0
        if users:
            cursor.execute(_ANY_PLACEHOLDER)
            if cursor.fetchone() is not None:
                adopt_placeholders(users)
            if connection.vendor == "postgresql":
                added = _store_users_postgres(cursor, users, now, scrape.pk, part.direction)
            else:
                upsert_users(users, now=now)
                for start in range(0, len(users), SEEN_CHUNK):
                    chunk = users[start : start + SEEN_CHUNK]
                    cursor.execute(
                        _seen_sql(len(chunk)), [scrape.pk, part.direction, *(u.pk for u in chunk)]
                    )
                    added += max(cursor.rowcount, 0)
        part.fetched += added
        part.pages += len(pages)
        part.cursor = last.next_cursor or ""
        part.exhausted = last.next_cursor is None
        part.capped = part.capped or any(page.capped for page in pages)
        cursor.execute(
            _PAGE_DONE, [added, len(pages), part.cursor, part.exhausted, part.capped, part.pk]
        )
    return added


def _store_users_postgres(
    cursor: CursorWrapper,
    users: Sequence[UserRecord],
    now: str | dt.datetime | None,
    scrape_id: int,
    direction: int,
) -> int:
    """store_pages' writes of `users` (distinct pks) on PostgreSQL: COPY, one
    merge that stages the users it wrote, one staging insert of the rest;
    returns how many staging rows were new."""
    # A crash may lose the last commits, never half of one (what SQLite's
    # synchronous=NORMAL gives, igdash/settings.py): the pages and their cursor go
    # together, and the scrape resumes from the cursor that survived.
    cursor.execute("SET LOCAL synchronous_commit TO off")
    cursor.execute(_PG_PAGE_TABLE)
    cursor.execute(f"DELETE FROM {_PAGE_TABLE}")  # noqa: S608  # an earlier call of this transaction
    raw = cursor.cursor  # psycopg 3's own cursor: Django's wrapper has no copy()
    with raw.copy(_PG_COPY) as copy:
        for n, user in enumerate(users):
            copy.write_row(
                (
                    n,
                    user.pk,
                    user.username[:USERNAME_MAX],
                    user.full_name[:FULL_NAME_MAX],
                    user.profile_pic_url,
                    user.is_verified,
                    user.is_private,
                )
            )
    cursor.execute(_PG_MERGE_SEEN, [now, now, scrape_id, direction])
    added = int(cursor.fetchone()[0])
    cursor.execute(_PG_SEEN, [scrape_id, direction])
    return added + max(cursor.rowcount, 0)


def upsert_users(
    users: Sequence[UserRecord | Profile], now: str | dt.datetime | None = None
) -> None:
    """Insert new users, update the ones whose details changed. `now`: the
    database's form of the time (the caller's, when it has one)."""
    if now is None:
        now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [
        (
            user.pk,
            user.username[:USERNAME_MAX],
            user.full_name[:FULL_NAME_MAX],
            user.profile_pic_url,
            user.is_verified,
            user.is_private,
            now,
            now,
        )
        for user in users
    ]
    with connection.cursor() as cursor:
        cursor.executemany(UPSERT_USERS, rows)


def adopt_placeholders(users: Iterable[UserRecord | Profile]) -> None:
    """Users known only by username (a data-export import) get the pk a scrape
    just learned; when that pk already has a row, the two rows are merged."""
    by_name = {user.username: user for user in users}
    placeholders = list(
        IgUser.objects.filter(ig_pk__isnull=True, username__in=by_name).values_list(
            "id", "username"
        )
    )
    if not placeholders:
        return
    pks = {by_name[name].pk for _, name in placeholders}
    existing = dict(IgUser.objects.filter(ig_pk__in=pks).values_list("ig_pk", "id"))
    for placeholder_id, name in placeholders:
        pk = by_name[name].pk
        if pk in existing:
            merge_users(keep_id=existing[pk], drop_id=placeholder_id)
        else:
            IgUser.objects.filter(id=placeholder_id, ig_pk__isnull=True).update(ig_pk=pk)
            existing[pk] = placeholder_id


def merge_users(*, keep_id: int, drop_id: int) -> None:
    """Move everything of user `drop_id` onto `keep_id` and delete it.

    Two active edges of one (target, direction) become one that starts at the
    earlier first_seen; ended intervals simply move."""
    if keep_id == drop_id:
        return
    for rel in Relationship.objects.filter(user_id=drop_id, ended_by__isnull=True):
        twin = Relationship.objects.filter(
            user_id=keep_id, target_id=rel.target_id, direction=rel.direction, ended_by__isnull=True
        ).first()
        if twin is None:
            continue
        if rel.first_seen_id < twin.first_seen_id:
            Relationship.objects.filter(pk=twin.pk).update(first_seen_id=rel.first_seen_id)
        rel.delete()
    Relationship.objects.filter(user_id=drop_id).update(user_id=keep_id)
    kept_seen = ScrapeSeen.objects.filter(user_id=keep_id).values_list("scrape_id", "direction")
    for scrape_id, direction in kept_seen:
        ScrapeSeen.objects.filter(
            user_id=drop_id, scrape_id=scrape_id, direction=direction
        ).delete()
    ScrapeSeen.objects.filter(user_id=drop_id).update(user_id=keep_id)
    if TrackedAccount.objects.filter(user_id=drop_id).exists():
        if TrackedAccount.objects.filter(user_id=keep_id).exists():
            return  # two tracked rows for one person: left for the owner to delete one
        TrackedAccount.objects.filter(user_id=drop_id).update(user_id=keep_id)
    IgUser.objects.filter(pk=drop_id).delete()


def attach_profile(scrape: Scrape, worker: str, profile: Profile) -> None:
    """Record the resolved profile: the target's IgUser learns (or confirms) its
    pk and current details, the scrape and its lists their expected counts.

    When the pk belongs to an account already tracked under another row (the
    target was renamed), the scrape moves to that row; TargetConflict when that
    row has an active scrape of its own."""
    with transaction.atomic():
        touch(scrape.pk, worker)
        assert scrape.target_id is not None  # a scrape being run has its target
        target = TrackedAccount.objects.select_related("user").get(pk=scrape.target_id)
        owner = IgUser.objects.filter(ig_pk=profile.pk).first()
        if owner is not None and owner.pk != target.user_id:
            target = _move_to(scrape, target, owner)
        elif owner is None and target.user.ig_pk not in (None, profile.pk):
            # The handle now belongs to another person; keep the old history apart.
            fresh = IgUser.objects.create(ig_pk=profile.pk, username=profile.username)
            target = _move_to(scrape, target, fresh)
        elif owner is None:
            IgUser.objects.filter(pk=target.user_id).update(ig_pk=profile.pk)
        upsert_users([profile])
        IgUser.objects.filter(pk=target.user_id).update(profile_pic_url=profile.profile_pic_url)
        TrackedAccount.objects.filter(pk=target.pk).update(
            follower_count=profile.follower_count, following_count=profile.following_count
        )
        Scrape.objects.filter(pk=scrape.pk).update(
            profile_follower_count=profile.follower_count,
            profile_following_count=profile.following_count,
        )
        expected: dict[int, int] = {
            Direction.FOLLOWER: profile.follower_count,
            Direction.FOLLOWING: profile.following_count,
        }
        for part in ScrapeList.objects.filter(scrape=scrape):
            ScrapeList.objects.filter(pk=part.pk).update(expected=expected[part.direction])
    scrape.target_id = target.pk
    scrape.profile_follower_count = profile.follower_count
    scrape.profile_following_count = profile.following_count


def _move_to(scrape: Scrape, target: TrackedAccount, owner: IgUser) -> TrackedAccount:
    """Point the scrape at `owner`'s tracked account, creating or re-pointing one."""
    existing = TrackedAccount.objects.filter(user=owner).first()
    if existing is None:
        placeholder_id = target.user_id
        if target.user.ig_pk is None:
            # Our row was a placeholder created from the handle: the pk row replaces it.
            TrackedAccount.objects.filter(pk=target.pk).update(user=owner)
            merge_users(keep_id=owner.pk, drop_id=placeholder_id)
            target.user = owner
            return target
        existing = TrackedAccount.objects.create(user=owner)
    try:
        with transaction.atomic():
            Scrape.objects.filter(pk=scrape.pk).update(target=existing)
    except IntegrityError:
        raise TargetConflict(
            f"@{owner.username} is already tracked under another name and has a scrape "
            "running; wait for it to finish."
        ) from None
    if not target.scrapes.exists() and not target.relationships.exists():
        placeholder = target.user
        target.delete()
        if placeholder.ig_pk is None:
            merge_users(keep_id=owner.pk, drop_id=placeholder.pk)
    return existing
