"""An export becomes a scrape: source "import", trigger "import", finalised by the
engine's own finalise so new and lost come out like any scrape's.

The export is read and validated in full first (archive.read_export); then one
transaction creates the scrape (the one-active-scrape index refuses it while
another scrape of the target is active), matches usernames to IgUser rows
(creating the unknown ones with ig_pk NULL), stages them in ScrapeSeen, marks
each list in the export complete (expected = fetched) and finalises. Nothing
talks to Instagram.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts_app.models import IgUser, TrackedAccount
from scraping.handles import InvalidHandle, parse_handle
from scraping.imports.archive import ExportLists, Source, read_export
from scraping.models import Direction, Relationship, Scrape, ScrapeList, ScrapeSeen
from scraping.services.delta import finalise
from scraping.services.scrapes import AlreadyActive, ScrapeError, tracked_account_for
from scraping.services.store import _table
from scraping.services.transitions import log_status

CHUNK = 500
DIRECTIONS = {"followers": Direction.FOLLOWER, "following": Direction.FOLLOWING}
# Raw executemany, as the engine's pages (store.py): bulk_create is ~5x slower and
# holds the SQLite write lock that much longer.
_INSERT_USER = (
    f"INSERT INTO {_table(IgUser)} (ig_pk, username, full_name, profile_pic_url, "  # noqa: S608
    "is_verified, is_private, created_at, updated_at) "
    "VALUES (NULL, %s, '', '', FALSE, FALSE, %s, %s)"
)
_INSERT_SEEN = (
    f"INSERT INTO {_table(ScrapeSeen)} (scrape_id, direction, user_id) "  # noqa: S608
    "VALUES (%s, %s, %s) ON CONFLICT (scrape_id, direction, user_id) DO NOTHING"
)


def import_export(account: TrackedAccount | str, sources: Sequence[Source]) -> Scrape:
    """Import Instagram's data export for `account` (a tracked account, or a
    handle: @name, name or profile URL, tracked if it is not yet). Returns the
    finalised scrape. Raises ImportFileError (the files; nothing is written),
    ScrapeError for a bad handle, AlreadyActive while the target has an active scrape."""
    target = account if isinstance(account, TrackedAccount) else None
    username = "" if target else _username(str(account))
    export = read_export(sources)
    lists = _present(export)
    with transaction.atomic():
        target = target or tracked_account_for(username)
        worker = f"import:{uuid.uuid4().hex}"
        scrape = _start(target, export, worker)
        ids = _user_ids(target, set().union(*lists.values()))
        for list_name, names in lists.items():
            _stage(scrape, DIRECTIONS[list_name], names, ids, len(export.files[list_name]))
        # The export's lists are the account's counts at export time.
        counts = {
            "follower_count" if name == "followers" else "following_count": len(names)
            for name, names in lists.items()
        }
        TrackedAccount.objects.filter(pk=target.pk).update(**counts)
        return finalise(scrape, worker)


def summary(scrape: Scrape) -> str:
    """One line for the owner: what the import recorded."""
    assert scrape.target is not None  # an import's scrape has its target
    stats = scrape.stats
    parts = []
    for part in scrape.parts.order_by("direction"):
        if part.direction == Direction.FOLLOWER:
            new, lost, name = stats.new_followers, stats.lost_followers, "followers"
        else:
            new, lost, name = stats.new_following, stats.lost_following, "following"
        parts.append(f"{part.fetched:,} {name} (+{new:,} new, \u2212{lost:,} lost)")
    return (
        f"Imported the data export of @{scrape.target.user.username} as scrape "
        f"#{scrape.pk}: {'; '.join(parts)}."
    )


def _username(handle: str) -> str:
    try:
        return parse_handle(handle)
    except InvalidHandle as exc:
        raise ScrapeError(str(exc)) from None


def _present(export: ExportLists) -> dict[str, set[str]]:
    lists = {"followers": export.followers, "following": export.following}
    return {name: names for name, names in lists.items() if names is not None}


def _start(target: TrackedAccount, export: ExportLists, worker: str) -> Scrape:
    present = _present(export)
    lists = Scrape.Lists.BOTH if len(present) == 2 else next(iter(present))
    files = [label for labels in export.files.values() for label in labels]
    reason = f"Instagram data export: {', '.join(files)}"
    now = timezone.now()
    try:
        with transaction.atomic():
            # Born running and claimed by this import, so the engine's finalise
            # (which checks the claim) takes it like any scrape.
            scrape = Scrape.objects.create(
                target=target,
                lists=lists,
                source=Scrape.Source.IMPORT,
                trigger=Scrape.Trigger.IMPORT,
                status=Scrape.Status.RUNNING,
                use_private_login=False,
                client_used="import",
                client_reason=reason[:255],
                claimed_by=worker,
                attempts=1,
                heartbeat_at=now,
                started_at=now,
            )
    except IntegrityError:
        active = Scrape.objects.filter(target=target, status__in=Scrape.ACTIVE_STATUSES).first()
        raise AlreadyActive(target, active) from None
    log_status(scrape.pk, target.user.username, "", scrape.status, reason, scrape.trigger)
    return scrape


def _user_ids(target: TrackedAccount, names: set[str]) -> dict[str, int]:
    """username -> IgUser id, creating rows (ig_pk NULL) for names never seen.

    Usernames are not unique (renames, reused names): among rows with one name
    the choice is the row already in one of the target's active edges (so an
    unchanged follower stays unchanged), then a row with a pk, then the most
    recently updated."""
    active = set(
        Relationship.objects.filter(target=target, ended_by__isnull=True).values_list(
            "user_id", flat=True
        )
    )
    best: dict[str, tuple[tuple[object, ...], int]] = {}
    ordered = sorted(names)
    for start in range(0, len(ordered), CHUNK):
        rows = IgUser.objects.filter(username__in=ordered[start : start + CHUNK]).values_list(
            "id", "username", "ig_pk", "updated_at"
        )
        for user_id, username, ig_pk, updated_at in rows:
            rank = (user_id in active, ig_pk is not None, updated_at, user_id)
            if username not in best or rank > best[username][0]:
                best[username] = (rank, user_id)
    ids = {username: user_id for username, (_, user_id) in best.items()}
    missing = [name for name in ordered if name not in ids]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.executemany(_INSERT_USER, [(name, now, now) for name in missing])
    for start in range(0, len(missing), CHUNK):
        # Not "ig_pk IS NULL" in SQL: SQLite would then scan the ig_pk index.
        written = IgUser.objects.filter(username__in=missing[start : start + CHUNK]).order_by("id")
        ids.update(
            (username, user_id)  # the newest name-only row per name: the one just written
            for username, user_id, ig_pk in written.values_list("username", "id", "ig_pk")
            if ig_pk is None
        )
    return ids


def _stage(
    scrape: Scrape, direction: int, names: set[str], ids: dict[str, int], files: int
) -> None:
    """The list as a complete page set: every user seen, the cursor ran out and
    the count is the export's own (expected = fetched)."""
    with connection.cursor() as cursor:
        rows = [(scrape.pk, direction, user_id) for user_id in sorted(ids[n] for n in names)]
        cursor.executemany(_INSERT_SEEN, rows)
    ScrapeList.objects.create(
        scrape=scrape,
        direction=direction,
        expected=len(names),
        fetched=len(names),
        pages=files,
        exhausted=True,
    )
