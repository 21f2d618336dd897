"""What the clients return: plain frozen dataclasses and named tuples, no Django, no
instagrapi models."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from scraping.instagram.errors import NotFound, TransportError


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


# --- Posts and reels (docs/instagram-wire.md section 8) --------------------------------

# Instagram's product_type, as igdash names it. media_type 8 is always a carousel.
PRODUCT_TYPES = {"feed": "feed", "clips": "clips", "carousel_container": "carousel", "igtv": "igtv"}
_LEGACY_MEDIA_TYPES = {"GraphImage": 1, "GraphVideo": 2, "GraphSidecar": 8}


@dataclass(frozen=True)
class Media:
    """One post or reel as one answer showed it. A count Instagram hid or did not
    send is None (unknown), never 0 and never the fake figure of hidden likes."""

    pk: int
    shortcode: str
    owner_pk: int  # 0 when the answer did not say
    product_type: str  # "feed", "clips", "carousel" or "igtv"
    media_type: int  # 1 photo, 2 video, 8 carousel
    taken_at: datetime  # aware, UTC
    caption: str  # "" when Instagram sent no caption
    likes: int | None
    comments: int | None
    plays: int | None
    ig_plays: int | None
    views: int | None
    duration: float | None  # seconds; None for photos
    coauthors: tuple[str, ...]  # usernames of coauthor_producers
    thumbnail_url: str  # "" when none


@dataclass(frozen=True)
class MediaPage:
    items: list[Media]
    # The cursor to send for the next page; None when there is none to send.
    next_cursor: str | None
    # Instagram's "more_available" / "has_next_page". True with next_cursor None means
    # Instagram claimed more but gave no cursor: the listing cannot be complete.
    more: bool


def _count(value: Any) -> int | None:
    """A count as Instagram sent it; None when absent, null, unreadable or negative."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


def _edge_count(data: dict[str, Any], *names: str) -> Any:
    for name in names:
        edge = data.get(name)
        if isinstance(edge, dict) and "count" in edge:
            return edge["count"]
    return None


def _caption(data: dict[str, Any]) -> str:
    caption = data.get("caption")
    if isinstance(caption, dict):
        return str(caption.get("text") or "")
    if isinstance(caption, str):
        return caption
    edges = (data.get("edge_media_to_caption") or {}).get("edges") or []
    if edges and isinstance(edges[0], dict):
        return str((edges[0].get("node") or {}).get("text") or "")
    return ""


def _first_image(data: dict[str, Any]) -> str:
    candidates = (data.get("image_versions2") or {}).get("candidates") or []
    if candidates and isinstance(candidates[0], dict) and candidates[0].get("url"):
        return str(candidates[0]["url"])
    return ""


def _thumbnail(data: dict[str, Any]) -> str:
    url = _first_image(data)
    if not url:
        children = data.get("carousel_media") or []
        if children and isinstance(children[0], dict):
            url = _first_image(children[0])
    return url or str(data.get("display_url") or data.get("thumbnail_src") or "")


def _owner_pk(data: dict[str, Any]) -> int:
    for key in ("user", "owner"):
        owner = data.get(key)
        if isinstance(owner, dict):
            raw = owner.get("pk", owner.get("pk_id", owner.get("id")))
            if raw is not None:
                return parse_pk(raw)
    raw_id = str(data.get("id") or "")
    if "_" in raw_id:
        return parse_pk(raw_id.split("_", 1)[1])
    return 0


def media_record(data: Any) -> Media:
    """One media of a feed, clips, media info or web timeline answer (mobile shape), or a
    legacy GraphQL node (shortcode, taken_at_timestamp, edge_media_preview_like, ...)."""
    if not isinstance(data, dict):
        raise TransportError("Instagram sent a media that is not an object")
    raw_pk = data.get("pk")
    if raw_pk is None and data.get("id") is not None:
        raw_pk = str(data["id"]).split("_", 1)[0]
    if raw_pk is None:
        raise TransportError("Instagram sent a media without pk")
    pk = parse_pk(raw_pk)
    raw_taken = data.get("taken_at", data.get("taken_at_timestamp"))
    if raw_taken is None or isinstance(raw_taken, bool):
        raise TransportError(f"Instagram sent media {pk} without taken_at")
    try:
        taken_at = datetime.fromtimestamp(int(raw_taken), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise TransportError(f"Instagram sent media {pk} with taken_at {raw_taken!r}") from exc
    media_type = _count(data.get("media_type"))
    if media_type is None:
        media_type = _LEGACY_MEDIA_TYPES.get(str(data.get("__typename") or ""))
    if media_type is None:
        media_type = 2 if data.get("is_video") else 1
    raw_product = str(data.get("product_type") or "")
    product_type = "carousel" if media_type == 8 else PRODUCT_TYPES.get(raw_product, "feed")
    hidden = bool(data.get("like_and_view_counts_disabled"))
    likes = (
        None
        if hidden
        else _count(
            data["like_count"]
            if "like_count" in data
            else _edge_count(data, "edge_media_preview_like", "edge_liked_by")
        )
    )
    comments = _count(
        data["comment_count"]
        if "comment_count" in data
        else _edge_count(data, "edge_media_to_comment", "edge_media_to_parent_comment")
    )
    views = None if hidden else _count(data.get("view_count", data.get("video_view_count")))
    duration: float | None = None
    raw_duration = data.get("video_duration")
    if media_type != 1 and raw_duration is not None and not isinstance(raw_duration, bool):
        try:
            duration = float(raw_duration)
        except (TypeError, ValueError):
            duration = None
    coauthors = tuple(
        str(user["username"])
        for user in data.get("coauthor_producers") or []
        if isinstance(user, dict) and user.get("username")
    )
    return Media(
        pk=pk,
        shortcode=str(data.get("code") or data.get("shortcode") or ""),
        owner_pk=_owner_pk(data),
        product_type=product_type,
        media_type=media_type,
        taken_at=taken_at,
        caption=_caption(data),
        likes=likes,
        comments=comments,
        plays=_count(data.get("play_count")),
        ig_plays=_count(data.get("ig_play_count")),
        views=views,
        duration=duration,
        coauthors=coauthors,
        thumbnail_url=_thumbnail(data),
    )


def media_page(items: Any, cursor: Any, more: Any) -> MediaPage:
    """A MediaPage from a list of media dicts, the answer's cursor and its "more" flag.
    Without a more flag, a cursor means more."""
    text = str(cursor) if cursor not in (None, "", "None") else None
    has_more = bool(more) if more is not None else text is not None
    return MediaPage(
        items=[media_record(item) for item in items or []],
        next_cursor=text if has_more else None,
        more=has_more,
    )


def clip_media(item: Any) -> Any:
    """A clips item: {"media": {...}}, or (reportedly) the media itself, unwrapped."""
    if isinstance(item, dict) and isinstance(item.get("media"), dict):
        return item["media"]
    return item


def feed_answer(data: dict[str, Any]) -> MediaPage:
    """GET feed/user/{pk}/: items, next_max_id, more_available."""
    return media_page(data.get("items"), data.get("next_max_id"), data.get("more_available"))


def clips_answer(data: dict[str, Any]) -> MediaPage:
    """POST clips/user/: items[].media (or unwrapped), paging_info.max_id/more_available."""
    paging = data.get("paging_info") or {}
    items = [clip_media(item) for item in data.get("items") or []]
    return media_page(items, paging.get("max_id"), paging.get("more_available"))


def media_info_answer(data: dict[str, Any]) -> Media:
    """GET media/{pk}/info/: {"items": [media]}; an empty list is a media that is gone."""
    items = data.get("items") or []
    if not items:
        raise NotFound("Instagram has no such post (removed, or never existed).", status=200)
    return media_record(items[0])


# --- Comments (docs/instagram-wire.md section 9) -----------------------------------------


@dataclass(frozen=True)
class Comment:
    """One comment or reply as an answer showed it."""

    pk: int
    author: UserRecord
    text: str
    created_at: datetime  # aware, UTC
    likes: int | None
    parent_pk: int | None  # the comment it replies to; None for a top-level comment
    replies: int  # replies Instagram counts under it (0 for a reply)
    # False when the answer's author lacked full_name and is_private (the web
    # query's owner object): those fields are unknown, not "" and public.
    author_complete: bool = True


@dataclass(frozen=True)
class CommentPage:
    """One page of a post's comments (or of one comment's replies).

    older / newer: the cursors to send as max_id / min_id for the next older or
    newer page, None when Instagram said there is no more that way. more_hidden
    is True when Instagram claimed more without a cursor, or stopped a listing
    it knows is longer (the web query's cap): the post's list cannot be complete.
    total: the post's comment_count (replies included) when the answer carried it.
    """

    comments: list[Comment]
    older: str | None
    newer: str | None
    total: int | None = None
    more_hidden: bool = False
    # Replies shown inline under each comment of the page, by parent pk, and the
    # parents whose threads have more replies than shown (to fetch, or partial).
    inline_replies: dict[int, list[Comment]] | None = None
    # next_min_id as sent, even without "more newer": kept, it asks later for the
    # comments posted since.
    newest_cursor: str | None = None


def _user_of_comment(data: dict[str, Any]) -> UserRecord:
    user = data.get("user") or data.get("owner")
    if not isinstance(user, dict):
        raise TransportError("Instagram sent a comment without its author")
    return user_record(user)


def comment_record(data: Any, parent_pk: int | None = None) -> Comment:
    """A comment of the mobile answer (pk, user, text, created_at, comment_like_count,
    child_comment_count, parent_comment_id) or of a web GraphQL node (id, owner, text,
    created_at, edge_liked_by, edge_threaded_comments)."""
    if not isinstance(data, dict):
        raise TransportError("Instagram sent a comment that is not an object")
    pk = parse_pk(data.get("pk", data.get("id")))
    raw_created: Any = data.get("created_at_utc", data.get("created_at"))
    try:
        if raw_created is None or isinstance(raw_created, bool):
            raise TypeError("no date")
        created = datetime.fromtimestamp(int(raw_created), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise TransportError(f"Instagram sent comment {pk} without a date") from exc
    raw_parent = data.get("parent_comment_id", parent_pk)
    likes = _count(
        data["comment_like_count"]
        if "comment_like_count" in data
        else _edge_count(data, "edge_liked_by")
    )
    replies = _count(
        data["child_comment_count"]
        if "child_comment_count" in data
        else _edge_count(data, "edge_threaded_comments")
    )
    return Comment(
        pk=pk,
        author=_user_of_comment(data),
        text=str(data.get("text") or ""),
        created_at=created,
        likes=likes,
        parent_pk=parse_pk(raw_parent) if raw_parent not in (None, "", 0) else None,
        replies=replies or 0,
        author_complete="user" in data,
    )


def _cursor(flag: Any, cursor: Any) -> tuple[str | None, bool]:
    """(cursor to send, Instagram claimed more without one)."""
    text = str(cursor) if cursor not in (None, "", "None") else None
    if not flag:
        return None, False
    return text, text is None


def comments_answer(data: dict[str, Any]) -> CommentPage:
    """GET media/{pk}/comments/: comments, has_more_comments + next_max_id (older),
    has_more_headload_comments + next_min_id (newer), comment_count, and up to a
    few preview_child_comments under each comment."""
    older, hidden_older = _cursor(data.get("has_more_comments"), data.get("next_max_id"))
    newer, hidden_newer = _cursor(data.get("has_more_headload_comments"), data.get("next_min_id"))
    comments = []
    inline: dict[int, list[Comment]] = {}
    for item in data.get("comments") or []:
        comment = comment_record(item)
        comments.append(comment)
        previews = item.get("preview_child_comments") or []
        inline[comment.pk] = [comment_record(child, comment.pk) for child in previews]
    return CommentPage(
        comments=comments,
        older=older,
        newer=newer,
        total=_count(data.get("comment_count")),
        more_hidden=hidden_older or hidden_newer,
        inline_replies=inline,
        newest_cursor=str(data["next_min_id"]) if data.get("next_min_id") else None,
    )


def replies_answer(data: dict[str, Any], parent_pk: int) -> CommentPage:
    """GET .../comments/{pk}/inline_child_comments/: child_comments (oldest first),
    has_more_tail_child_comments + next_max_child_cursor (sent back as max_id)."""
    older, hidden = _cursor(
        data.get("has_more_tail_child_comments"), data.get("next_max_child_cursor")
    )
    children = [comment_record(item, parent_pk) for item in data.get("child_comments") or []]
    return CommentPage(comments=children, older=older, newer=None, more_hidden=hidden)


def web_comments_answer(data: dict[str, Any]) -> CommentPage:
    """The web comments query: data.shortcode_media.edge_media_to_parent_comment with
    count (replies included), page_info and edges[].node; each node's
    edge_threaded_comments carries its first replies and whether there are more."""
    media = (data.get("data") or {}).get("shortcode_media")
    if not isinstance(media, dict):
        raise NotFound("Instagram has no such post (removed, or never existed).", status=200)
    edge = media.get("edge_media_to_parent_comment") or {}
    page_info = edge.get("page_info") or {}
    older, hidden = _cursor(page_info.get("has_next_page"), page_info.get("end_cursor"))
    comments = []
    inline: dict[int, list[Comment]] = {}
    for item in edge.get("edges") or []:
        node = item.get("node") if isinstance(item, dict) else None
        comment = comment_record(node)
        comments.append(comment)
        thread = (node or {}).get("edge_threaded_comments") or {}
        inline[comment.pk] = [
            comment_record(child.get("node"), comment.pk) for child in thread.get("edges") or []
        ]
    return CommentPage(
        comments=comments,
        older=older,
        newer=None,
        total=_count(edge.get("count")),
        more_hidden=hidden,
        inline_replies=inline,
    )


def web_replies_answer(data: dict[str, Any], parent_pk: int) -> CommentPage:
    """The web threaded-comments query: data.comment.edge_threaded_comments with
    page_info {has_next_page, end_cursor} and edges[].node, oldest first."""
    comment = (data.get("data") or {}).get("comment")
    if not isinstance(comment, dict):
        raise NotFound("Instagram has no such comment (removed).", status=200)
    edge = comment.get("edge_threaded_comments") or {}
    page_info = edge.get("page_info") or {}
    older, hidden = _cursor(page_info.get("has_next_page"), page_info.get("end_cursor"))
    children = [
        comment_record((item or {}).get("node"), parent_pk) for item in edge.get("edges") or []
    ]
    return CommentPage(comments=children, older=older, newer=None, more_hidden=hidden)
