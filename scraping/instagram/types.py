"""What the clients return: plain frozen dataclasses and named tuples, no Django, no
instagrapi models."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from scraping.instagram.errors import TransportError


def parse_pk(value: Any) -> int:
    """A user pk as a 64-bit int, whether Instagram sent it as a number or as text."""
    if isinstance(value, bool):
        raise TransportError(f"Instagram sent a boolean where a user id belongs: {value!r}")
    try:
        pk = int(value)
    except (TypeError, ValueError) as exc:
        raise TransportError(f"Instagram sent an unreadable user id: {value!r}") from exc
    if not 0 < pk < 2**63:
        raise TransportError(f"Instagram sent a user id outside 64 bits: {value!r}")
    return pk


@dataclass(frozen=True)
class Profile:
    pk: int
    username: str
    full_name: str
    profile_pic_url: str
    is_verified: bool
    is_private: bool
    follower_count: int
    following_count: int


class UserRecord(NamedTuple):
    """One user of a list. A named tuple: a scrape builds 200 a page, and a frozen
    dataclass costs twice as much to build."""

    pk: int
    username: str
    full_name: str
    profile_pic_url: str
    is_verified: bool
    is_private: bool


@dataclass(frozen=True)
class Page:
    users: list[UserRecord]
    next_cursor: str | None
    # True when Instagram sent should_limit_list_of_followers: the list is truncated.
    capped: bool = False


def user_record(data: dict[str, Any]) -> UserRecord:
    """One user of a list answer (mobile, web or GraphQL node shape)."""
    raw_pk = data.get("pk")
    if raw_pk is None:
        raw_pk = data.get("pk_id", data.get("id"))
    try:
        return UserRecord(
            parse_pk(raw_pk),
            str(data["username"]),
            str(data.get("full_name") or ""),
            str(data.get("profile_pic_url") or ""),
            bool(data.get("is_verified")),
            bool(data.get("is_private")),
        )
    except KeyError as exc:
        raise TransportError(f"Instagram sent a user without {exc.args[0]}") from exc
