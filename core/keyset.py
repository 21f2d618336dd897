"""Keyset pagination: pages that cost the same at row 50 and at row 5,000,000.

OFFSET grows linearly and Django's Paginator counts every request
(docs/performance.md "Background"). A page here fetches one row more than it shows to know
whether another page follows, and hands back an opaque cursor for it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import models
from django.db.models import F, Model, Q, QuerySet

from core.errors import BadInput

M = TypeVar("M", bound=Model)

# SQLite's and PostgreSQL's integers are signed 64-bit: a larger Python int
# cannot even be bound as a parameter (OverflowError).
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_ID = re.compile(r"[0-9]{1,19}")


class BadCursor(BadInput):
    """A cursor this module did not hand out (edited, truncated, crafted).

    A 400, not a silent restart from the top: the infinite scroll would append
    the first page again below the rows already shown (core.errors answers it)."""

    def __init__(self) -> None:
        super().__init__(
            "The link's page position (cursor) is not a valid page position. "
            "Start the list again from its first page."
        )


@dataclass(frozen=True)
class Page(Generic[M]):
    items: Sequence[M]
    next_cursor: str | None


def _page(rows: list[M], size: int, cursor_of: Any) -> Page[M]:
    if len(rows) > size:
        return Page(rows[:size], cursor_of(rows[size - 1]))
    return Page(rows, None)


def parse_id(cursor: str | None) -> int | None:
    """The primary key a `by_id` cursor stands for; None for no cursor;
    BadCursor for anything `by_id` does not hand out (digits of a positive
    64-bit integer)."""
    if not cursor:
        return None
    if not _ID.fullmatch(cursor) or int(cursor) > INT64_MAX:
        raise BadCursor()
    return int(cursor)


def by_id(qs: QuerySet[M], cursor: str | None, size: int, *, newest_first: bool = True) -> Page[M]:
    """Pages ordered by primary key (newest first by default)."""
    after = parse_id(cursor)
    if newest_first:
        qs = qs.order_by("-pk") if after is None else qs.filter(pk__lt=after).order_by("-pk")
    else:
        qs = qs.order_by("pk") if after is None else qs.filter(pk__gt=after).order_by("pk")
    return _page(list(qs[: size + 1]), size, lambda row: str(row.pk))


def _encode(value: object, pk: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([value, pk]).encode()).decode()


def _model_field(model: type[Model], path: str) -> models.Field[Any, Any]:
    """The model field at the end of `path` ("user__username")."""
    *relations, name = path.split("__")
    for relation in relations:
        model = model._meta.get_field(relation).related_model  # type: ignore[assignment]  # a path's relations lead to models
    return model._meta.get_field(name)  # type: ignore[return-value]  # a path ends at a concrete field


def _is_int(value: object) -> bool:
    # bool is an int in Python and JSON's true would pass as 1.
    return type(value) is int and INT64_MIN <= value <= INT64_MAX


def _is_text(value: object, field: models.Field[Any, Any]) -> bool:
    if not isinstance(value, str):
        return False
    if field.max_length is not None and len(value) > field.max_length:
        return False
    try:
        value.encode("utf-8")  # a lone surrogate cannot be bound as a parameter
    except UnicodeEncodeError:
        return False
    return not any(unicodedata.category(ch) == "Cc" for ch in value)


def _value_check(field: models.Field[Any, Any]) -> Any:
    """A test for the values `field` can hold, as JSON gives them back."""
    if isinstance(field, models.CharField | models.TextField):
        return lambda value: _is_text(value, field)
    if isinstance(field, models.IntegerField | models.AutoField):
        return _is_int
    raise TypeError(f"by_field cannot page by {field!r}: only text and integer fields")


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a value of any column")  # Infinity, -Infinity, NaN


def _decode(cursor: str | None, check: Any) -> tuple[Any, int] | None:
    """(value, pk) of a `by_field` cursor, each of the type its column holds;
    BadCursor for anything else."""
    if not cursor:
        return None
    try:
        decoded = json.loads(
            base64.urlsafe_b64decode(cursor.encode("ascii")), parse_constant=_refuse_constant
        )
    except (ValueError, TypeError, binascii.Error, RecursionError):
        raise BadCursor() from None  # UnicodeError is a ValueError
    if not (isinstance(decoded, list) and len(decoded) == 2):
        raise BadCursor()
    value, pk = decoded
    if not (check(value) and _is_int(pk)):
        raise BadCursor()
    return value, pk


def by_field(qs: QuerySet[M], field: str, cursor: str | None, size: int) -> Page[M]:
    """Pages ordered by (field, pk) ascending. `field` may span a relation
    ("user__username"); it must not be null, and be a text or integer column
    (the cursor's value is checked against it).

    The redundant `field >= value` lets SQLite use the (field, id) index: the OR
    alone makes it scan (27 ms vs 0.7 ms on 1M rows, docs/performance.md)."""
    after = _decode(cursor, _value_check(_model_field(qs.model, field)))
    if after is not None:
        value, pk = after
        qs = qs.filter(Q(**{f"{field}__gt": value}) | Q(**{field: value, "pk__gt": pk})).filter(
            **{f"{field}__gte": value}
        )
    rows = list(qs.order_by(field, "pk")[: size + 1])

    def cursor_of(row: M) -> str:
        value: Any = row
        for part in field.split("__"):
            value = getattr(value, part)
        return _encode(value, row.pk)

    return _page(rows, size, cursor_of)


def _is_bigint_or_none(value: object) -> bool:
    return value is None or (
        isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63
    )


def by_value(
    qs: QuerySet[M], field: str, cursor: str | None, size: int, *, descending: bool
) -> Page[M]:
    """Pages ordered by a nullable integer (an annotation, like the Accounts
    page's follower change), then pk; rows without a value come last in both
    directions (an unknown change is neither growth nor decline)."""
    after = _decode(cursor, _is_bigint_or_none)
    if after is not None:
        value, pk = after
        if value is None:
            qs = qs.filter(Q(**{f"{field}__isnull": True}) & Q(pk__gt=pk))
        else:
            beyond = f"{field}__lt" if descending else f"{field}__gt"
            qs = qs.filter(
                Q(**{beyond: value})
                | Q(**{field: value, "pk__gt": pk})
                | Q(**{f"{field}__isnull": True})
            )
    order = F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)
    rows = list(qs.order_by(order, "pk")[: size + 1])
    return _page(rows, size, lambda row: _encode(getattr(row, field), row.pk))


def _float_or_int(value: object) -> bool:
    """A JSON number a REAL column can hold (finite: JSON's NaN and Infinity
    are refused by the decoder)."""
    return (type(value) is float) or _is_int(value)


def _iso_time(value: object) -> bool:
    if not isinstance(value, str) or len(value) > 40:
        return False
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return False
    return parsed.tzinfo is not None


# What a cursor's value may be, per kind of column; the row's value as the
# cursor holds it (JSON has no datetime: ISO 8601 text with its offset).
KINDS: dict[str, tuple[Any, Any]] = {
    "int": (_is_bigint_or_none, lambda value: value),
    "float": (lambda value: value is None or _float_or_int(value), lambda value: value),
    "time": (
        lambda value: value is None or _iso_time(value),
        lambda value: None if value is None else value.isoformat(),
    ),
}


def by_column(
    qs: QuerySet[M],
    field: str,
    cursor: str | None,
    size: int,
    *,
    descending: bool,
    kind: str = "int",
) -> Page[M]:
    """Pages ordered by a nullable column (`kind`: int, float or time), the
    primary key breaking ties in the same direction; rows without a value
    come last in both directions (unknown is neither the most nor the least).
    Unlike by_value, an ascending page reads the smallest ids first among
    equals and a descending one the largest, so "newest first" means the
    newest row among posts of the same second too."""
    check, dump = KINDS[kind]
    after = _decode(cursor, check)
    nullable = _model_field(qs.model, field).null
    if after is not None:
        value, pk = after
        if kind == "time" and value is not None:
            value = dt.datetime.fromisoformat(value)
        before = "pk__lt" if descending else "pk__gt"
        if not nullable and value is not None:
            # As in by_field: the redundant bound lets SQLite walk the
            # (…, field) index instead of testing every row against the OR.
            bound = f"{field}__lte" if descending else f"{field}__gte"
            beyond = f"{field}__lt" if descending else f"{field}__gt"
            qs = qs.filter(Q(**{beyond: value}) | Q(**{field: value, before: pk})).filter(
                **{bound: value}
            )
        elif value is None:
            qs = qs.filter(Q(**{f"{field}__isnull": True}) & Q(**{before: pk}))
        else:
            beyond = f"{field}__lt" if descending else f"{field}__gt"
            qs = qs.filter(
                Q(**{beyond: value})
                | Q(**{field: value, before: pk})
                | Q(**{f"{field}__isnull": True})
            )
    rows = list(qs.order_by(*_order(field, descending, nullable))[: size + 1])
    return _page(rows, size, lambda row: _encode(dump(getattr(row, field)), row.pk))


def _order(field: str, descending: bool, nullable: bool) -> list[Any]:
    """Unknowns last both ways; a column without nulls is ordered plainly,
    which SQLite serves from the index in both directions."""
    nulls = {"nulls_last": True} if nullable else {}
    if descending:
        return [F(field).desc(**nulls), F("pk").desc()]
    return [F(field).asc(**nulls), F("pk").asc()]
