"""The simulated comments of every post, their routes and their truth.

A post's comments are a deterministic sequence built from the seed and the post:
on a day, the visible comments are the first entries of the sequence that are
not removed yet, exactly as many as the post's `comment_count` of that day
(replies included). So the count of the media answers and the comments served
always agree, new comments arrive as the count grows, and a comment removed on
day r is missing from day r on (the count then takes one more from the sequence).

Who comments (docs/simulator.md "Comments"): the account's oldest followers (a
loyal core, on most posts), other followers of the day, accounts that do not
follow, and one pod: the same five accounts, each within minutes of the post,
on most posts, with generic or emoji-only texts. About one comment in five is a
reply to one of the 3 latest top-level
comments (threads of 3 replies or more are common).

Wire (docs/instagram-wire.md section 9): `media/{pk}/comments/` pages of 20 with
both cursors (`max_id` older, `min_id` newer), `preview_child_comments` (2) and
`media/{pk}/comments/{c}/inline_child_comments/` for replies; the web GraphQL
query pages parent comments oldest first and stops at 50 with has_next_page false.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import random
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any, Final

from scraping.instagram import endpoints as ep
from scraping.simulator.wsgi import Request, Response, json_response

if TYPE_CHECKING:
    from scraping.simulator.app import SimulatorApp
    from scraping.simulator.content import SimPost
    from scraping.simulator.world import World

POD_SIZE: Final = 5
LOYAL_CORE: Final = 8
PAGE: Final = ep.COMMENTS_PAGE_SIZE
PREVIEW_REPLIES: Final = 2
WEB_INLINE_REPLIES: Final = 3
REPLY_PAGE: Final = 10
CACHED_POSTS: Final = 2048
COMMENT_PK_BASE: Final = 17_850_000_000_000_000

GENERIC: Final = (
    "Nice!", "Great post!", "Love this", "Amazing", "So good", "Wow", "Beautiful",
    "Great shot", "Nice pic", "Awesome",
)  # fmt: skip
EMOJI: Final = ("😍", "🔥🔥🔥", "👏👏", "❤️", "🙌", "😂😂", "💯", "🔥", "👍")
SPECIFIC: Final = (
    "Where was this taken?", "The light in this one is unreal", "Saving this for my trip",
    "Which camera do you use?", "Can't wait for the next one", "This made my day",
    "Recipe please!", "How long did this take?", "Miss this place", "Tag me next time",
    "Ça a l'air génial", "¡Qué bonito!", "Das ist toll", "めっちゃいい", "رائع جدا",
)  # fmt: skip


@dataclass(frozen=True)
class SimComment:
    seq: int  # position in the post's sequence
    pk: int
    author: int  # user index
    text: str
    created_at: int  # unix seconds
    likes: int
    parent: int | None  # seq of the comment it replies to
    removed_day: int | None  # gone from this day on


def _h(*parts: object) -> int:
    text = "\x1f".join(str(part) for part in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


def pod_of(world: World, owner: int) -> tuple[int, ...]:
    """The owner's engagement pod: five accounts that do not follow it."""
    rng = random.Random(f"{world.seed}:pod:{owner}")
    return tuple(4096 + rng.randrange(2**31) for _ in range(POD_SIZE))


def loyal_core(world: World, owner: int) -> tuple[int, ...]:
    """The oldest followers of day 0 (the bottom of the list): they comment on most posts."""
    members = world.members(owner, "followers", 0)
    return tuple(members[-LOYAL_CORE:]) if members else ()


class CommentBook:
    """Every post's comment sequence, built lazily and kept for recent posts."""

    def __init__(self, world: World) -> None:
        self._world = world
        self._lock = threading.RLock()
        self._cache: OrderedDict[int, tuple[SimComment, ...]] = OrderedDict()
        # comment pk -> media pk, for every sequence built (the web replies query
        # names the comment only).
        self.post_of: dict[int, int] = {}

    def sequence(self, post: SimPost) -> tuple[SimComment, ...]:
        with self._lock:
            found = self._cache.get(post.pk)
            if found is None:
                found = self._cache[post.pk] = self._build(post)
                self.post_of.update((comment.pk, post.pk) for comment in found)
                while len(self._cache) > CACHED_POSTS:
                    self._cache.popitem(last=False)
            else:
                self._cache.move_to_end(post.pk)
            return found

    def visible(self, post: SimPost, day: int) -> list[SimComment]:
        """The comments shown on `day`, in sequence (creation) order."""
        if not post.visible(day):
            return []
        wanted = post.counts(day)["comments"]
        shown: list[SimComment] = []
        for comment in self.sequence(post):
            if len(shown) >= wanted:
                break
            if comment.removed_day is None or day < comment.removed_day:
                shown.append(comment)
        return shown

    def _build(self, post: SimPost) -> tuple[SimComment, ...]:
        world = self._world
        rng = random.Random(f"{world.seed}:comments:{post.pk}")
        total = post.comments
        followers = world.members(post.owner, "followers", max(post.publish_day, 0))
        core = loyal_core(world, post.owner)
        pod = pod_of(world, post.owner) if rng.random() < 0.7 and total >= 8 else ()
        out: list[SimComment] = []
        kept = 0
        while kept < total:
            seq = len(out)
            author, text, created = self._who(rng, post, seq, total, pod, core, followers)
            parent = None
            tops = [c.seq for c in out if c.parent is None and c.removed_day is None]
            if seq >= len(pod) and tops and rng.random() < 0.25:
                # Conversations: replies go to the last few comments, some run long.
                parent = rng.choice(tops[-3:])
                created = max(created, out[parent].created_at + 60)
            removed_day = None
            if seq >= len(pod) and rng.random() < 0.05:
                removed_day = max(post.publish_day, 0) + rng.randint(1, 6)
            elif removed_day is None:
                kept += 1
            out.append(
                SimComment(
                    seq=seq,
                    pk=COMMENT_PK_BASE + _h(world.seed, post.pk, seq) % 10**15,
                    author=author,
                    text=text,
                    created_at=created,
                    likes=int(rng.expovariate(1 / 3)) if rng.random() < 0.6 else 0,
                    parent=parent,
                    removed_day=removed_day,
                )
            )
        # A removed comment never has replies: its replies would vanish with it.
        parents = {c.parent for c in out if c.parent is not None}
        return tuple(c if c.seq not in parents or c.removed_day is None else _kept(c) for c in out)

    def _who(
        self,
        rng: random.Random,
        post: SimPost,
        seq: int,
        total: int,
        pod: tuple[int, ...],
        core: tuple[int, ...],
        followers: tuple[int, ...],
    ) -> tuple[int, str, int]:
        if seq < len(pod):
            # The pod: each member within minutes of the post, generic or emoji texts.
            text = rng.choice(GENERIC + EMOJI)
            return pod[seq], text, post.taken_at + 60 + seq * 90 + rng.randrange(60)
        share = min(seq / max(total, 1), 0.995)
        # Comments follow the growth of the counts: 40% on the first day, then
        # fewer and fewer (content.SimPost.growth).
        if share < 0.4:
            age = (share / 0.4) ** 2 * 6 * 3600
        else:
            age = -3 * math.log((1 - share) / 0.6) * 86_400
        created = post.taken_at + 120 + int(age) + rng.randrange(600)
        roll = rng.random()
        if roll < 0.3 and core:
            author = core[rng.randrange(len(core))]
        elif roll < 0.6 and followers:
            author = followers[rng.randrange(len(followers))]
        else:
            author = 4096 + rng.randrange(2**31)
        pick = rng.random()
        text = rng.choice(SPECIFIC if pick < 0.6 else GENERIC if pick < 0.85 else EMOJI)
        return author, text, created


def _kept(comment: SimComment) -> SimComment:
    return replace(comment, removed_day=None)


# --- wire shapes ---------------------------------------------------------------------


def _author(world: World, index: int, day: int) -> dict[str, Any]:
    user = world.user(index, day)
    return {
        "pk": user.pk,
        "pk_id": str(user.pk),
        "id": str(user.pk),
        "username": user.username,
        "full_name": user.full_name,
        "is_private": user.is_private,
        "is_verified": user.is_verified,
        "profile_pic_url": user.profile_pic_url,
    }


def mobile_comment(
    world: World,
    post: SimPost,
    comment: SimComment,
    day: int,
    children: list[SimComment],
    parent_pk: int | None = None,
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "pk": str(comment.pk),
        "user_id": world.pk_of(comment.author),
        "user": _author(world, comment.author, day),
        "text": comment.text,
        "type": 0,
        "created_at": comment.created_at,
        "created_at_utc": comment.created_at,
        "content_type": "comment",
        "status": "Active",
        "media_id": str(post.pk),
        "comment_like_count": comment.likes,
        "did_report_as_spam": False,
        "share_enabled": False,
    }
    if comment.parent is None:
        item["child_comment_count"] = len(children)
        item["preview_child_comments"] = [
            mobile_comment(world, post, child, day, [], comment.pk)
            for child in children[:PREVIEW_REPLIES]
        ]
        item["has_more_tail_child_comments"] = len(children) > PREVIEW_REPLIES
    else:
        item["parent_comment_id"] = str(parent_pk)
    return item


def web_node(
    world: World, comment: SimComment, day: int, children: list[SimComment]
) -> dict[str, Any]:
    user = world.user(comment.author, day)
    node: dict[str, Any] = {
        "id": str(comment.pk),
        "text": comment.text,
        "created_at": comment.created_at,
        "did_report_as_spam": False,
        "owner": {
            "id": str(user.pk),
            "is_verified": user.is_verified,
            "profile_pic_url": user.profile_pic_url,
            "username": user.username,
        },
        "viewer_has_liked": False,
        "edge_liked_by": {"count": comment.likes},
        "is_restricted_pending": False,
    }
    if comment.parent is None:
        shown = children[:WEB_INLINE_REPLIES]
        node["edge_threaded_comments"] = {
            "count": len(children),
            "page_info": {
                "has_next_page": len(children) > len(shown),
                "end_cursor": _sign_token(world, "thread", shown[-1].pk)
                if len(children) > len(shown)
                else None,
            },
            "edges": [{"node": web_node(world, child, day, [])} for child in shown],
        }
    return node


def _sign_token(world: World, kind: str, pk: int) -> str:
    token = f"{pk}:{world.sign(f'comments:{kind}:{pk}', 8)}"
    return "QVFD" + base64.urlsafe_b64encode(token.encode()).decode().rstrip("=")


def _read_token(world: World, kind: str, cursor: str) -> int | None:
    if not cursor.startswith("QVFD"):
        return None
    raw = cursor[4:]
    try:
        pk_text, sig = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode().split(":")
        pk = int(pk_text)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    return pk if sig == world.sign(f"comments:{kind}:{pk}", 8) else None


def _threads(shown: list[SimComment]) -> tuple[list[SimComment], dict[int, list[SimComment]]]:
    """Top-level comments (oldest first) and the replies under each (by parent seq)."""
    tops = [c for c in shown if c.parent is None]
    replies: dict[int, list[SimComment]] = {c.seq: [] for c in tops}
    for comment in shown:
        if comment.parent is not None and comment.parent in replies:
            replies[comment.parent].append(comment)
    for children in replies.values():
        children.sort(key=lambda c: (c.created_at, c.seq))
    tops.sort(key=lambda c: (c.created_at, c.seq))
    return tops, replies


# --- routes --------------------------------------------------------------------------


def register(app: SimulatorApp) -> None:
    book = CommentBook(app.world)
    app.comments = book
    routes = [
        ("GET", ep.MEDIA_COMMENTS.format(pk=r"(?P<pk>\d+)"), comments),
        (
            "GET",
            ep.COMMENT_REPLIES.format(pk=r"(?P<pk>\d+)", comment_pk=r"(?P<comment>\d+)"),
            replies,
        ),
        ("GET", r"/__sim__/comments", ctl_comments),
    ]
    for methods, pattern, handler in routes:
        app.route(methods, pattern, partial(handler, app))


def _post_gate(
    app: SimulatorApp, request: Request, media_pk: int, endpoint: str
) -> tuple[SimPost, int] | Response:
    """Client variant, login, the post, the owner's scenarios and privacy."""
    variant = app._variant(request)
    if variant is None:
        request.endpoint = endpoint
        return json_response(400, {"message": "useragent mismatch", "status": "fail"})
    request.endpoint = f"{variant}_{endpoint}"
    viewer = app.viewer(request, mobile=variant == "mobile")
    if viewer is None:
        return app._needs_login(variant)
    day = app.world.day
    post = app.world.content.find(media_pk)
    if post is None or not post.visible(day):
        return json_response(404, {"message": "Media not found or unavailable", "status": "fail"})
    refused = app._content_gate(request, post.owner, viewer)
    if refused is not None:
        return refused
    app._page_served(post.owner)
    return post, day


def comments(app: SimulatorApp, request: Request, match: re.Match[str]) -> Response:
    """GET media/{pk}/comments/: the newest page, or older (max_id) / newer (min_id)."""
    gate = _post_gate(app, request, int(match["pk"]), "media_comments")
    if isinstance(gate, Response):
        return gate
    post, day = gate
    world = app.world
    tops, threads = _threads(app.comments.visible(post, day))
    position = {c.pk: n for n, c in enumerate(tops)}
    max_id, min_id = request.query.get("max_id"), request.query.get("min_id")
    if max_id:
        anchor = _read_token(world, "older", max_id)
        if anchor is None:
            return json_response(400, {"message": "Invalid max_id", "status": "fail"})
        end = position.get(anchor, 0)
        start = max(end - PAGE, 0)
    elif min_id:
        anchor = _read_token(world, "newer", min_id)
        if anchor is None:
            return json_response(400, {"message": "Invalid min_id", "status": "fail"})
        # A removed anchor: resume after the newest comment older than it was.
        start = position[anchor] + 1 if anchor in position else _after_removed(app, post, anchor)
        end = min(start + PAGE, len(tops))
    else:
        end = len(tops)
        start = max(end - PAGE, 0)
    page = tops[start:end]
    body: dict[str, Any] = {
        "comments": [mobile_comment(world, post, c, day, threads[c.seq]) for c in page],
        "comment_count": sum(1 + len(threads[c.seq]) for c in tops),
        "caption_is_edited": False,
        "has_more_comments": start > 0,
        "has_more_headload_comments": end < len(tops),
        "media_header_display": "none",
        "can_view_more_preview_comments": False,
        "status": "ok",
    }
    if start > 0:
        body["next_max_id"] = _sign_token(world, "older", page[0].pk if page else tops[0].pk)
    if page:
        # Instagram sends the newest cursor even when nothing newer exists yet:
        # a client keeps it to ask for new comments later.
        body["next_min_id"] = _sign_token(world, "newer", page[-1].pk)
    return json_response(200, body)


def _after_removed(app: SimulatorApp, post: SimPost, anchor: int) -> int:
    """Where a min_id whose comment was removed since resumes: after the visible
    top-level comments created before it."""
    seq = {c.pk: c for c in app.comments.sequence(post)}
    gone = seq.get(anchor)
    tops, _ = _threads(app.comments.visible(post, app.world.day))
    if gone is None:
        return 0
    return sum(1 for c in tops if (c.created_at, c.seq) < (gone.created_at, gone.seq))


def replies(app: SimulatorApp, request: Request, match: re.Match[str]) -> Response:
    """GET media/{pk}/comments/{c}/inline_child_comments/: replies oldest first."""
    gate = _post_gate(app, request, int(match["pk"]), "comment_replies")
    if isinstance(gate, Response):
        return gate
    post, day = gate
    world = app.world
    tops, threads = _threads(app.comments.visible(post, day))
    parent = next((c for c in tops if c.pk == int(match["comment"])), None)
    if parent is None:
        return json_response(404, {"message": "Comment not found", "status": "fail"})
    children = threads[parent.seq]
    start = 0
    cursor = request.query.get("max_id")
    if cursor:
        anchor = _read_token(world, "replies", cursor)
        at = [n for n, c in enumerate(children) if c.pk == anchor]
        if anchor is None or not at:
            return json_response(400, {"message": "Invalid max_id", "status": "fail"})
        start = at[0] + 1
    page = children[start : start + REPLY_PAGE]
    more = start + len(page) < len(children)
    body: dict[str, Any] = {
        "parent_comment": {"pk": str(parent.pk)},
        "child_comments": [mobile_comment(world, post, c, day, [], parent.pk) for c in page],
        "child_comment_count": len(children),
        "has_more_tail_child_comments": more,
        "has_more_head_child_comments": False,
        "status": "ok",
    }
    if more:
        body["next_max_child_cursor"] = _sign_token(world, "replies", page[-1].pk)
    return json_response(200, body)


def graphql_comments(app: SimulatorApp, request: Request) -> Response:
    """The legacy web comments query: parent comments oldest first, at most 50 a page,
    and never more than 50 in all (then has_next_page false: Instagram's cap)."""
    request.endpoint = "graphql_comments"
    try:
        variables = json.loads(request.query.get("variables", "{}"))
    except ValueError:
        variables = None
    if not isinstance(variables, dict):
        return json_response(400, {"message": "Invalid variables", "status": "fail"})
    viewer = app.viewer(request, mobile=False)
    if viewer is None:
        return app._needs_login("web")
    world = app.world
    day = world.day
    post = _post_by_shortcode(app, str(variables.get("shortcode") or ""))
    if post is None or not post.visible(day):
        return json_response(200, {"data": {"shortcode_media": None}, "status": "ok"})
    refused = app._content_gate(request, post.owner, viewer)
    if refused is not None:
        return refused
    app._page_served(post.owner)
    try:
        first = max(1, min(int(variables.get("first") or 12), ep.COMMENTS_WEB_CAP))
    except (TypeError, ValueError):
        return json_response(400, {"message": "Invalid variables", "status": "fail"})
    tops, threads = _threads(app.comments.visible(post, day))
    start = 0
    if variables.get("after"):
        anchor = _read_token(world, "web", str(variables["after"]))
        at = [n for n, c in enumerate(tops) if c.pk == anchor]
        if anchor is None or not at:
            return json_response(400, {"message": "Invalid cursor", "status": "fail"})
        start = at[0] + 1
    end = min(start + first, len(tops), ep.COMMENTS_WEB_CAP)
    page = tops[start:end]
    more = end < min(len(tops), ep.COMMENTS_WEB_CAP)
    edge = {
        "count": sum(1 + len(threads[c.seq]) for c in tops),
        "page_info": {
            "has_next_page": more,
            "end_cursor": _sign_token(world, "web", page[-1].pk) if more and page else None,
        },
        "edges": [{"node": web_node(world, c, day, threads[c.seq])} for c in page],
    }
    media = {"id": str(post.pk), "shortcode": post.code, "edge_media_to_parent_comment": edge}
    return json_response(200, {"data": {"shortcode_media": media}, "status": "ok"})


def graphql_replies(app: SimulatorApp, request: Request) -> Response:
    """The web threaded-comments query: one comment's replies, oldest first, 50 a page."""
    request.endpoint = "graphql_comment_replies"
    try:
        variables = json.loads(request.query.get("variables", "{}"))
        comment_pk = int(variables["comment_id"])
        first = max(1, min(int(variables.get("first") or 12), 50))
    except (ValueError, KeyError, TypeError):
        return json_response(400, {"message": "Invalid variables", "status": "fail"})
    viewer = app.viewer(request, mobile=False)
    if viewer is None:
        return app._needs_login("web")
    world = app.world
    day = world.day
    media_pk = app.comments.post_of.get(comment_pk)
    post = world.content.find(media_pk) if media_pk else None
    tops, threads = _threads(app.comments.visible(post, day)) if post else ([], {})
    parent = next((c for c in tops if c.pk == comment_pk), None)
    if post is None or parent is None:
        return json_response(200, {"data": {"comment": None}, "status": "ok"})
    refused = app._content_gate(request, post.owner, viewer)
    if refused is not None:
        return refused
    app._page_served(post.owner)
    children = threads[parent.seq]
    start = 0
    if variables.get("after"):
        anchor = _read_token(world, "thread", str(variables["after"]))
        at = [n for n, c in enumerate(children) if c.pk == anchor]
        if anchor is None or not at:
            return json_response(400, {"message": "Invalid cursor", "status": "fail"})
        start = at[0] + 1
    page = children[start : start + first]
    more = start + len(page) < len(children)
    edge = {
        "count": len(children),
        "page_info": {
            "has_next_page": more,
            "end_cursor": _sign_token(world, "thread", page[-1].pk) if more else None,
        },
        "edges": [{"node": web_node(world, c, day, [])} for c in page],
    }
    body = {"data": {"comment": {"id": str(parent.pk), "edge_threaded_comments": edge}}}
    return json_response(200, {**body, "status": "ok"})


def _post_by_shortcode(app: SimulatorApp, code: str) -> SimPost | None:
    pk = 0
    for char in code:
        digit = ep.SHORTCODE_ALPHABET.find(char)
        if digit < 0:
            return None
        pk = pk * 64 + digit
    return app.world.content.find(pk) if 0 < pk < 2**63 else None


# --- truth ----------------------------------------------------------------------------


def truth(app: SimulatorApp, post: SimPost, day: int) -> list[dict[str, Any]]:
    """A post's comments on `day` as igdash should store them."""
    shown = app.comments.visible(post, day)
    by_seq = {c.seq: c for c in shown}
    out = []
    for comment in shown:
        user = app.world.user(comment.author, day)
        parent = by_seq.get(comment.parent) if comment.parent is not None else None
        out.append(
            {
                "pk": comment.pk,
                "post_pk": post.pk,
                "author_pk": user.pk,
                "author": user.username,
                "is_private": user.is_private,
                "is_verified": user.is_verified,
                "text": comment.text,
                "created_at": comment.created_at,
                "likes": comment.likes,
                "parent_pk": parent.pk if parent else None,
            }
        )
    return out


def ctl_comments(app: SimulatorApp, request: Request, match: re.Match[str]) -> Response:
    """GET /__sim__/comments?username=U[&posts=N][&day=D]: the comments of the N newest
    posts (default 12) and the account's pod and loyal core."""
    world = app.world
    index = world.index_of_username(request.query.get("username", ""))
    if index is None:
        return json_response(404, {"error": "no such user"})
    try:
        day = int(request.query.get("day", world.day))
        count = int(request.query.get("posts", 12))
    except ValueError:
        return json_response(400, {"error": "day and posts are numbers"})
    posts = world.content.visible(index, day)[:count]
    body = {
        "username": world.user(index, day).username,
        "day": day,
        "posts": [{"pk": post.pk, "comment_count": post.counts(day)["comments"]} for post in posts],
        "comments": [entry for post in posts for entry in truth(app, post, day)],
        "pod": [world.pk_of(i) for i in pod_of(world, index)],
        "loyal_core": [world.pk_of(i) for i in loyal_core(world, index)],
    }
    return json_response(200, json.loads(json.dumps(body)), raw_utf8=True)
