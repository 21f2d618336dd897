"""The lists of a tracked account, as querysets of plain tuples that stream.

A list is read "as it is now" (active rows: ended_by null) or "as scrape N saw
it" (docs/data-model.md: first_seen_id <= N and ended_by null or > N). new/lost
are relative to scrape N, or to the latest finished scrape of that direction.
Rows come from `values_list(...).iterator()`: nothing holds a whole list, so a
1M-row export costs the same memory as a 10-row one. Rows are ordered by
(username, user id), a unique key, so pages can continue with `after=`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db.models import F, Q, QuerySet, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, Concat

from accounts_app.models import TrackedAccount
from accounts_app.search import clean_term, count_matches, matching_ids
from core.keyset import parse_id
from scraping.models import Direction, Relationship, Scrape

PROFILE_URL_PREFIX = "https://www.instagram.com/"
CHUNK_SIZE = 2000
FINISHED = (Scrape.Status.SUCCEEDED, Scrape.Status.PARTIAL)

# username, full_name, ig_pk, is_verified, is_private, profile_url, first_seen_at[, ended_at]
Row = tuple[object, ...]


class ListName(StrEnum):
    FOLLOWERS = "followers"
    FOLLOWING = "following"
    MUTUALS = "mutuals"
    NEW = "new"
    LOST = "lost"
    NEW_FOLLOWING = "new_following"
    LOST_FOLLOWING = "lost_following"
    NOT_FOLLOWING_BACK = "not_following_back"
    NOT_FOLLOWED_BACK = "not_followed_back"


FOLLOWING_LISTS = {
    ListName.FOLLOWING,
    ListName.NEW_FOLLOWING,
    ListName.LOST_FOLLOWING,
    ListName.NOT_FOLLOWING_BACK,
}

# Column names and kinds, in row order; writers convert by kind.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("username", "text"),
    ("full_name", "text"),
    ("ig_pk", "int"),
    ("is_verified", "bool"),
    ("is_private", "bool"),
    ("profile_url", "url"),
    ("first_seen_at", "datetime"),
)
ENDED_COLUMN = ("ended_at", "datetime")


class ListError(ValueError):
    """The list cannot be read as asked; str() is a one-line message for the user."""


def find_target(handle: str) -> TrackedAccount | None:
    """The tracked account for "@name" or "name" (any case), newest first when a
    reused username is tracked twice."""
    username = handle.strip().removeprefix("@")
    if not username:
        return None
    return (
        TrackedAccount.objects.select_related("user")
        .filter(user__username__iexact=username)
        .order_by("-id")
        .first()
    )


def _scrape_time(prefix: str) -> Coalesce:
    return Coalesce(F(f"{prefix}__finished_at"), F(f"{prefix}__created_at"))


@dataclass(frozen=True)
class AccountList:
    """One list of one target, optionally as of a past scrape and filtered."""

    target: TrackedAccount
    name: ListName
    at: Scrape | None = None
    search: str = ""

    @property
    def direction(self) -> int:
        """The edges the rows come from; mutuals and the two "back" lists check
        the other direction for each of them."""
        return Direction.FOLLOWING if self.name in FOLLOWING_LISTS else Direction.FOLLOWER

    @property
    def has_ended(self) -> bool:
        return self.name in {ListName.LOST, ListName.LOST_FOLLOWING}

    @property
    def columns(self) -> tuple[tuple[str, str], ...]:
        return (*COLUMNS, ENDED_COLUMN) if self.has_ended else COLUMNS

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]

    def _edges(self, direction: int) -> QuerySet[Relationship]:
        edges = Relationship.objects.filter(target=self.target, direction=direction)
        if self.at is None:
            return edges.filter(ended_by__isnull=True)
        return edges.filter(first_seen_id__lte=self.at.pk).filter(
            Q(ended_by__isnull=True) | Q(ended_by_id__gt=self.at.pk)
        )

    def reference_scrape(self) -> Scrape | None:
        """The scrape new/lost are relative to: `at`, or the latest finished
        scrape that fetched this direction."""
        if self.at is not None:
            return self.at
        return (
            Scrape.objects.filter(
                target=self.target, status__in=FINISHED, parts__direction=self.direction
            )
            .order_by("-id")
            .first()
        )

    def relationships(self) -> QuerySet[Relationship]:
        name = self.name
        if name in {ListName.FOLLOWERS, ListName.FOLLOWING}:
            edges = self._edges(self.direction)
        elif name in {ListName.MUTUALS, ListName.NOT_FOLLOWING_BACK, ListName.NOT_FOLLOWED_BACK}:
            other = (
                Direction.FOLLOWER if self.direction == Direction.FOLLOWING else Direction.FOLLOWING
            )
            # IN (subquery), not a correlated EXISTS: SQLite builds the other
            # list's ids once; the correlated form scans the other list's
            # interval index once per row for "as of" lists.
            reciprocal = Q(user_id__in=self._edges(other).values("user_id"))
            edges = self._edges(self.direction).filter(
                reciprocal if name is ListName.MUTUALS else ~reciprocal
            )
        else:
            reference = self.reference_scrape()
            if reference is None:
                return Relationship.objects.none()
            field = "ended_by" if self.has_ended else "first_seen"
            edges = Relationship.objects.filter(
                target=self.target, direction=self.direction, **{field: reference}
            )
        if self.search:
            term = self.search.strip().removeprefix("@")
            edges = edges.filter(
                Q(user__username__icontains=term) | Q(user__full_name__icontains=term)
            )
        return edges

    def queryset(
        self,
        after: tuple[str, int] | None = None,
        *,
        with_user_id: bool = False,
        scrape_ids: bool = False,
    ) -> QuerySet[Relationship, Row]:
        """Tuples in `columns` order, sorted by (username, user id).

        `after=(username, user_id)` continues after that row (keyset paging;
        `with_user_id` appends the user id each row needs for it). The redundant
        username >= filter lets SQLite use the index for the OR
        (docs/performance.md "Background"). `scrape_ids` gives the
        first_seen (and ended_by) scrape ids in place of their times.
        """
        edges = self.relationships()
        if after is not None:
            username, user_id = after
            edges = edges.filter(user__username__gte=username).filter(
                Q(user__username__gt=username) | Q(user__username=username, user_id__gt=user_id)
            )
        fields: list[str | Combinable] = [
            "user__username",
            "user__full_name",
            "user__ig_pk",
            "user__is_verified",
            "user__is_private",
            Concat(Value(PROFILE_URL_PREFIX), "user__username", Value("/")),
            "first_seen_id" if scrape_ids else _scrape_time("first_seen"),
        ]
        if self.has_ended:
            fields.append("ended_by_id" if scrape_ids else _scrape_time("ended_by"))
        if with_user_id:
            fields.append("user_id")
        return edges.order_by("user__username", "user_id").values_list(*fields)

    def rows(self, chunk_size: int = CHUNK_SIZE) -> Iterator[Row]:
        """The rows of queryset(), read with scrape ids that become times here:
        a list has as many distinct times as scrapes, and reading a time per
        row (parsed and made aware by Django) cost exports ~40% of their speed
        at 1M rows (docs/performance.md)."""
        times: dict[Any, object] = ScrapeTimes(self.target)  # Row's scrape ids are typed object
        columns = len(self.columns)
        for row in self.queryset(scrape_ids=True).iterator(chunk_size=chunk_size):
            yield (*row[:6], *(times[scrape_id] for scrape_id in row[6:columns]))


class ScrapeTimes(dict[int, object]):
    """Scrape id -> its time (finished_at, else created_at), the target's
    scrapes read at once; any other scrape is read when first asked for."""

    def __init__(self, target: TrackedAccount) -> None:
        super().__init__(self._read(Scrape.objects.filter(target=target)))

    @staticmethod
    def _read(scrapes: QuerySet[Scrape]) -> Iterator[tuple[int, object]]:
        return iter(scrapes.values_list("pk", Coalesce("finished_at", "created_at")))

    def __missing__(self, scrape_id: int) -> object:
        self.update(self._read(Scrape.objects.filter(pk=scrape_id)))
        return self.get(scrape_id)


def parse_scrape_id(text: str | None) -> int | None:
    if text is None or text.strip() == "":
        return None
    shown = text if len(text) <= 40 else text[:40] + "..."
    try:
        value = int(text.strip().removeprefix("#"))
    except ValueError:
        raise ListError(f"'{shown}' is not a scrape number.") from None
    # Above 2**63 - 1 the database could not even take it as a parameter.
    if not 0 < value < 2**63:
        raise ListError(f"'{shown}' is not a scrape number.")
    return value


def get_list(
    target: TrackedAccount, name: str, *, at: int | str | None = None, search: str = ""
) -> AccountList:
    """Validate what the user asked for; ListError says what is wrong."""
    try:
        list_name = ListName(name)
    except ValueError:
        choices = ", ".join(ListName)
        raise ListError(f"Unknown list '{name}'. Choose one of: {choices}.") from None
    scrape_id = parse_scrape_id(at) if isinstance(at, str) else at
    scrape = None
    if scrape_id is not None:
        scrape = Scrape.objects.filter(pk=scrape_id, target=target, status__in=FINISHED).first()
        if scrape is None:
            raise ListError(
                f"Scrape #{scrape_id} is not a finished scrape of @{target.user.username}."
            )
    # The same cleaning as every search box (control characters dropped).
    return AccountList(target, list_name, scrape, clean_term(search))


# Up to this many users matching a search, the page starts from them (~1 us each on
# SQLite); more, and it walks the list newest first until a page is full.
SEARCH_START_FROM_MATCHES = 20_000


def matching_edges(
    edges: QuerySet[Relationship], term: str, cursor: str | None
) -> tuple[QuerySet[Relationship], str | None]:
    """The edges whose user matches `term`, and the cursor left for
    core.keyset.by_id (the account page and the API page their lists this way).

    SQLite, measured on 1M followers (docs/performance.md): walking the list
    newest first and testing each user against the matches stops early for a
    common term but reads the whole list for a rare one (~240 ms). So a term
    with few matches starts from them: their edges' ids, which the list's
    index (it ends in the row id) is probed with. The cursor goes into that
    subquery: an `id < cursor` outside would make SQLite scan the index range.
    Terms too short for trigrams go through the join, so the page limit stops
    the scan (a subquery would test every user first)."""
    matches = count_matches(term, SEARCH_START_FROM_MATCHES)
    if matches is None:
        return edges.filter(
            Q(user__username__icontains=term) | Q(user__full_name__icontains=term)
        ), cursor
    if matches > SEARCH_START_FROM_MATCHES:
        return edges.filter(user_id__in=matching_ids(term)), cursor
    ids = Relationship.objects.filter(user_id__in=matching_ids(term))
    after = parse_id(cursor)  # BadCursor, as by_id would
    if after is not None:
        ids = ids.filter(pk__lt=after)
    return edges.filter(pk__in=ids.values("pk")), None
