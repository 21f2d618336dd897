"""The shapes of the API's answers and bodies (the OpenAPI schema is made from them).

Every list answers {"items": [...], "next_cursor": "..." | null}: pass
next_cursor back as ?cursor= for the next page; null means the list ended."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Path, Schema
from pydantic import BaseModel, StrictBool, StrictInt

# Path parameters, with the examples the schema tests start from.
Username = Annotated[
    str,
    Path(description="a tracked account's username", examples=["alice", "creator"], max_length=64),
]
ScrapeId = Annotated[int, Path(description="a scrape's id", examples=[1], ge=1, le=2**63 - 1)]
JobId = Annotated[int, Path(description="an export job's id", examples=[1], ge=1, le=2**63 - 1)]
ListNameIn = Annotated[
    Literal[
        "followers",
        "following",
        "mutuals",
        "new",
        "lost",
        "new_following",
        "lost_following",
        "not_following_back",
        "not_followed_back",
    ],
    Path(description="which list", examples=["followers"]),
]


class ScrapeRef(Schema):
    id: int
    status: str
    created_at: dt.datetime
    finished_at: dt.datetime | None


class AccountOut(Schema):
    username: str
    full_name: str
    ig_pk: int | None
    is_private: bool
    is_verified: bool
    profile_url: str
    follower_count: int | None
    following_count: int | None
    bookmarked: bool
    last_scraped_at: dt.datetime | None
    last_scrape: ScrapeRef | None
    created_at: dt.datetime


class AccountPage(Schema):
    items: list[AccountOut]
    next_cursor: str | None


class AccountIn(Schema):
    handle: str = Field(..., description="@name, name or a profile URL", max_length=300)
    bookmarked: StrictBool = False


class PartOut(Schema):
    list: str
    fetched: int
    expected: int | None
    percent: int | None
    complete: bool | None
    reason: str


class ExtraOut(Schema):
    name: str
    fetched: int
    pages: int
    summary: str
    percent: int | None
    seconds_left: float | None
    complete: bool | None
    reason: str


class Counts(Schema):
    followers: int | None
    following: int | None
    mutuals: int | None
    not_following_back: int | None
    not_followed_back: int | None


class Delta(Schema):
    new_followers: int
    lost_followers: int
    new_following: int
    lost_following: int


class ScrapeOut(Schema):
    id: int
    handle: str
    status: str
    finished: bool
    lists: str
    trigger: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    message: str
    error_code: str
    progress: list[PartOut]
    extras: list[ExtraOut]
    counts: Counts | None
    delta: Delta | None


class ScrapePage(Schema):
    items: list[ScrapeOut]
    next_cursor: str | None


ListChoice = Literal["followers", "following"]
ALL_LISTS: tuple[ListChoice, ...] = ("followers", "following")


class ScrapeIn(Schema):
    handle: str = Field(..., description="@name, name or a profile URL", max_length=300)
    lists: list[ListChoice] = Field(default_factory=lambda: list(ALL_LISTS))
    # Strict: "yes" or 1 is a mistake to report, not a true to guess.
    content: StrictBool = Field(False, description="Also list the account's posts and reels.")
    comments: StrictBool = Field(
        False,
        description="Also list the comments of the last `comment_posts` posts (needs the "
        "owner's Instagram login), for the commenters.",
    )
    comment_posts: StrictInt | None = Field(
        None,
        ge=1,
        le=100_000,
        description="With comments: of how many of the latest posts (default: the "
        "AUDIENCE_POSTS setting, 12).",
    )


class UserRow(BaseModel):
    """A plain pydantic model: ninja's Schema reads every field through a
    getter meant for ORM objects, a third of a 100-row page's time."""

    username: str
    full_name: str
    ig_pk: int | None
    is_verified: bool
    is_private: bool
    profile_url: str
    first_seen_scrape: int
    ended_by_scrape: int | None


class UserPage(BaseModel):
    items: list[UserRow]
    next_cursor: str | None


class TimelinePoint(Schema):
    scrape_id: int
    taken_at: dt.datetime
    followers: int | None
    following: int | None
    new_followers: int
    lost_followers: int
    new_following: int
    lost_following: int
    mutuals: int | None
    not_following_back: int | None
    not_followed_back: int | None


class TimelinePage(Schema):
    items: list[TimelinePoint]
    next_cursor: str | None


class PostOut(Schema):
    ig_pk: int
    shortcode: str
    url: str
    product_type: str
    media_type: int
    taken_at: dt.datetime
    caption: str
    duration: float | None
    removed: bool
    likes: int | None
    comments: int | None
    plays: int | None
    views: int | None


class PostPage(Schema):
    items: list[PostOut]
    next_cursor: str | None


class CommenterRow(BaseModel):
    """A commenter of the account's posts, crossed with its follower history
    (docs/audience.md). follows: null when no complete follower scrape exists."""

    username: str
    full_name: str
    ig_pk: int | None
    is_private: bool
    is_verified: bool
    profile_url: str
    comments: int
    posts_commented: int
    first_comment_at: dt.datetime
    last_comment_at: dt.datetime
    follows: bool | None
    following_since: dt.datetime | None
    loyal: bool
    left: bool
    new_follower_commented_first: bool


class CommenterPage(BaseModel):
    items: list[CommenterRow]
    next_cursor: str | None


class ExportJobOut(Schema):
    id: int
    status: str
    rows_done: int
    rows_total: int | None
    file_name: str
    error: str
    download_url: str | None
