"""Finalise a scrape: judge each list, apply the delta to the interval history,
write the statistics, clear the staging rows. All in one transaction; then the
users it brought are added to the search index in bulk (a second transaction).

Delta (docs/performance.md "Background"), in SQL so that memory does not grow with
the list: new = seen without an active edge, inserted with one INSERT ... SELECT;
lost = active edges not seen, closed with one UPDATE, and only for a list judged
complete: an incomplete list never ends anyone's relationship.
"""

from __future__ import annotations

import math

from django.db import OperationalError, connection, transaction
from django.db.models import Exists, F, OuterRef
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts_app import search
from accounts_app.models import IgUser, TrackedAccount
from scraping.models import Direction, Relationship, Scrape, ScrapeList, ScrapeSeen, ScrapeStats
from scraping.services import extra_parts
from scraping.services.store import _table, touch
from scraping.services.transitions import log_status
from scraping.signals import scrape_finalised

TOLERANCE_MIN = 2
TOLERANCE_SHARE = 0.005

# The users a scrape saw that have no active edge yet, inserted in one statement.
# Identifiers come from model metadata; every value is a query parameter.
_REL, _SEEN = _table(Relationship), _table(ScrapeSeen)
_INSERT_NEW = (
    f"INSERT INTO {_REL} (target_id, user_id, direction, first_seen_id) "  # noqa: S608
    f"SELECT %s, seen.user_id, seen.direction, %s FROM {_SEEN} seen "
    "WHERE seen.scrape_id = %s AND seen.direction = %s AND NOT EXISTS ("
    f"SELECT 1 FROM {_REL} edge WHERE edge.target_id = %s AND edge.user_id = seen.user_id "
    "AND edge.direction = seen.direction AND edge.ended_by_id IS NULL) "
    # The active-edge index is partial: the conflict target names its predicate.
    "ON CONFLICT (target_id, user_id, direction) WHERE ended_by_id IS NULL DO NOTHING"
)
# PostgreSQL: the conflict clause alone skips the users with an active edge (an
# index probe each). The NOT EXISTS above would be planned before the statement
# adds its rows: on a first scrape the edges look empty, PostgreSQL loops over
# them for each seen user, and they grow as it inserts (quadratic: 20 minutes and
# more at 200,000 followers, docs/performance.md "PostgreSQL").
_INSERT_NEW_PG = (
    f"INSERT INTO {_REL} (target_id, user_id, direction, first_seen_id) "  # noqa: S608
    f"SELECT %s, seen.user_id, seen.direction, %s FROM {_SEEN} seen "
    "WHERE seen.scrape_id = %s AND seen.direction = %s "
    "ON CONFLICT (target_id, user_id, direction) WHERE ended_by_id IS NULL DO NOTHING"
)


def tolerance(expected: int) -> int:
    """How far the fetched count may differ from the profile's count for a list
    to count as complete: max(2, 0.5%). Instagram's counts include a few accounts
    it does not list (deactivated, restricted), and the count moves while a big
    list is paged."""
    return max(TOLERANCE_MIN, math.ceil(expected * TOLERANCE_SHARE))


def judge(part: ScrapeList) -> str:
    """Why the list is incomplete, or "" when it is complete."""
    if part.capped:
        return (
            f"Instagram capped the list (should_limit_list_of_followers) after "
            f"{part.fetched:,} users"
        )
    if part.incomplete_reason:
        return part.incomplete_reason
    if not part.exhausted:
        return "the list did not reach its end"
    if part.expected is not None and abs(part.fetched - part.expected) > tolerance(part.expected):
        return (
            f"fetched {part.fetched:,} of {part.expected:,} users "
            f"(more than {tolerance(part.expected):,} apart)"
        )
    return ""


def finalise(scrape: Scrape, worker: str) -> Scrape:
    now = timezone.now()
    with transaction.atomic():
        touch(scrape.pk, worker)
        target_id = scrape.target_id
        assert target_id is not None  # a scrape being finalised has its target
        parts = list(ScrapeList.objects.filter(scrape=scrape).order_by("direction"))
        stats = ScrapeStats(scrape=scrape, target_id=target_id, taken_at=now)
        reasons = []
        for part in parts:
            reason = judge(part)
            part.complete = not reason
            part.incomplete_reason = reason
            part.save(update_fields=["complete", "incomplete_reason"])
            if reason:
                reasons.append(f"{part.get_direction_display()}: {reason}")
            _apply(scrape, part, stats)
        for extra in extra_parts.wanted_by(scrape):
            reason = extra.finalise(scrape)
            if reason:
                reasons.append(f"{extra.label}: {reason}")
        _relationship_stats(scrape, stats)
        stats.save()
        ScrapeSeen.objects.filter(scrape=scrape).delete()
        status = Scrape.Status.PARTIAL if reasons else Scrape.Status.SUCCEEDED
        touch(
            scrape.pk,
            worker,
            status=status,
            finished_at=now,
            claimed_by="",
            error_code="incomplete" if reasons else "",
            error_message="; ".join(reasons),
        )
        TrackedAccount.objects.filter(pk=target_id).update(last_scraped_at=now, last_scrape=scrape)
        _cache_new_avatars(scrape)
        scrape_finalised.send(sender=Scrape, scrape_id=scrape.pk, target_id=target_id)
    # Logged once the change is committed: a failure above rolls it back.
    assert scrape.target is not None  # as above
    username = scrape.target.user.username
    summary = _summary(stats, reasons)
    log_status(scrape.pk, username, Scrape.Status.RUNNING, status, summary, scrape.trigger)
    # The new users become searchable in one bulk statement, in its own
    # transaction: not one trigger per user inside every page's transaction.
    search.index_pending()
    _refresh_statistics(stats)
    _reclaim_staging()
    scrape.refresh_from_db()
    return scrape


# PostgreSQL plans from statistics that only ANALYZE (or autovacuum) writes. After a
# scrape that changed a tenth of a list (a first scrape above all), the account
# page would be planned for the list as it was: with 200,000 new edges and none
# counted, the page read every edge (0.66 s) where it reads 51 (0.2 ms). Autovacuum
# would catch up within minutes, where it runs (a server may have it off).
ANALYZE_SHARE = 0.1
ANALYZE_MIN = 1_000


def _refresh_statistics(stats: ScrapeStats) -> None:
    if connection.vendor != "postgresql":
        return
    new = (stats.new_followers or 0) + (stats.new_following or 0)
    lost = (stats.lost_followers or 0) + (stats.lost_following or 0)
    listed = (stats.followers or 0) + (stats.following or 0)
    if new + lost < max(ANALYZE_MIN, ANALYZE_SHARE * listed):
        return
    with connection.cursor() as cursor:  # samples at most 30,000 rows of each
        cursor.execute(f"ANALYZE {_REL}, {_table(IgUser)}")


def _reclaim_staging() -> None:
    """PostgreSQL keeps the space of deleted rows until VACUUM marks it reusable.
    Every scrape stages its whole list and deletes it at finalise; where
    autovacuum is off, 30 daily scrapes of 50,000 followers left 133 MB of dead
    staging rows (3.56x one snapshot, docs/performance.md "PostgreSQL").

    When no other scrape has staging rows, the table is emptied with TRUNCATE,
    which gives its files and its indexes' back at once (VACUUM leaves index
    pages to be reused, and 30 scrapes of 1M still left 908 MB of staging
    indexes). The table is locked first, without waiting: a scrape writing its
    pages holds it, and then the rows that are gone are vacuumed instead. VACUUM
    and TRUNCATE's check cannot run inside a caller's transaction block."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        try:
            with transaction.atomic():
                cursor.execute(f"LOCK TABLE {_SEEN} IN ACCESS EXCLUSIVE MODE NOWAIT")
                cursor.execute(f"SELECT 1 FROM {_SEEN} LIMIT 1")  # noqa: S608
                if cursor.fetchone() is None:
                    cursor.execute(f"TRUNCATE {_SEEN}")
                    return
        except OperationalError:  # the lock is taken: another scrape is writing pages
            pass
        cursor.execute(f"VACUUM {_SEEN}")


def _summary(stats: ScrapeStats, reasons: list[str]) -> str:
    """What the scrape found, for its log line."""
    found = (
        f"followers +{stats.new_followers} -{stats.lost_followers}, "
        f"following +{stats.new_following} -{stats.lost_following}"
    )
    return f"{found}; incomplete: {'; '.join(reasons)}" if reasons else found


def _cache_new_avatars(scrape: Scrape) -> None:
    """Queue the pictures of the target and of the users this scrape found new
    (the ones the owner looks at first). At most one batch per scrape: the rest
    show their initial until a later scrape or page view needs them."""
    from accounts_app.avatars import MAX_PER_CALL
    from accounts_app.tasks import cache_avatars

    assert scrape.target_id is not None  # called by finalise()
    target_user = TrackedAccount.objects.values_list("user_id", flat=True).get(pk=scrape.target_id)
    new_users = Relationship.objects.filter(first_seen=scrape).values_list("user_id", flat=True)
    cache_avatars.delay_on_commit([target_user, *new_users[: MAX_PER_CALL - 1]])  # type: ignore[attr-defined]  # a DjangoTask (Celery's Django fixup); celery-types types it Task


def _apply(scrape: Scrape, part: ScrapeList, stats: ScrapeStats) -> None:
    """Insert new edges, close lost ones (complete lists only), in SQL: the
    database walks the staging rows and the active edges with its indexes, so
    memory stays flat however long the list (docs/performance.md, Memory)."""
    direction = part.direction
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Fresh statistics of the staging rows first (they arrived since the
            # last autoanalyze): with none, PostgreSQL guesses a few rows and plans
            # _close as a loop over them for every active edge (minutes at 20,000
            # followers, docs/performance.md "PostgreSQL"). ANALYZE samples at
            # most 30,000 rows, whatever the list.
            cursor.execute(f"ANALYZE {_SEEN}")
            cursor.execute(_INSERT_NEW_PG, [scrape.target_id, scrape.pk, scrape.pk, direction])
        else:
            cursor.execute(
                _INSERT_NEW, [scrape.target_id, scrape.pk, scrape.pk, direction, scrape.target_id]
            )
        new = max(cursor.rowcount, 0)
    lost = _close(scrape, direction) if part.complete else 0
    seen = ScrapeSeen.objects.filter(scrape=scrape, direction=direction).count()
    if direction == Direction.FOLLOWER:
        stats.new_followers, stats.lost_followers = new, lost
        stats.followers = seen if part.complete else None
    else:
        stats.new_following, stats.lost_following = new, lost
        stats.following = seen if part.complete else None


def _close(scrape: Scrape, direction: int) -> int:
    """End the intervals of the active edges this scrape did not see; returns how
    many. last_seen is the last scrape known to have seen the edge: the previous
    complete scrape of this list, or first_seen when the edge started after it."""
    previous = (
        ScrapeList.objects.filter(
            scrape__target_id=scrape.target_id,
            direction=direction,
            complete=True,
            scrape_id__lt=scrape.pk,
        )
        .order_by("-scrape_id")
        .values_list("scrape_id", flat=True)
        .first()
    )
    last_seen = Greatest(F("first_seen_id"), previous) if previous else F("first_seen_id")
    unseen = ~Exists(
        ScrapeSeen.objects.filter(scrape=scrape, direction=direction, user_id=OuterRef("user_id"))
    )
    return Relationship.objects.filter(
        unseen, target_id=scrape.target_id, direction=direction, ended_by__isnull=True
    ).update(ended_by=scrape, last_seen_id=last_seen)


def _relationship_stats(scrape: Scrape, stats: ScrapeStats) -> None:
    """Mutuals and follow-back figures, once each direction has been listed
    completely at least once (before that the figures would be guesses).
    Counted in SQL over the active edges."""
    for direction in (Direction.FOLLOWER, Direction.FOLLOWING):
        known = ScrapeList.objects.filter(
            scrape__target_id=scrape.target_id, direction=direction, complete=True
        ).exists()
        if not known:
            return
    active = Relationship.objects.filter(target_id=scrape.target_id, ended_by__isnull=True)
    followers = active.filter(direction=Direction.FOLLOWER)
    following = active.filter(direction=Direction.FOLLOWING)
    mutuals = followers.filter(Exists(following.filter(user_id=OuterRef("user_id")))).count()
    stats.mutuals = mutuals
    stats.not_following_back = following.count() - mutuals
    stats.not_followed_back = followers.count() - mutuals
