"""The simulated posts and reels of every account: deterministic from the seed.

An account's posts are built on first use (a few hundred at most) and cached. On day 0
an account has `media_count` posts; later days add new ones at the account's cadence.
Each post has a kind (photo, video, reel, carousel, IGTV), a caption (sometimes null)
with hashtags and mentions, final counts it grows towards while young, and maybe a
day it is removed on. The wire shapes are built by `media_item` / `legacy_node`.
See docs/simulator.md "Posts and reels".
"""

from __future__ import annotations

import math
import random
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from scraping.simulator.world import World

# Instagram media ids: milliseconds since Instagram's epoch, shifted left 23 bits. The
# simulator hides the owner's 32-bit index in the low bits (9 of them in the
# milliseconds), so a media pk leads back to its account without a table.
IG_EPOCH_MS: Final = 1_314_220_021_721
SHORTCODE_ALPHABET: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
FUTURE_DAYS: Final = 400  # new posts are planned this many days ahead
CACHED_ACCOUNTS: Final = 256

HASHTAGS: Final = (
    "travel", "coffee", "sunset", "reels", "food", "igdash", "weekend", "nature",
    "photography", "fitness", "café", "東京", "summer", "art", "music",
)  # fmt: skip
CAPTION_WORDS: Final = (
    "Golden hour again", "New week, new plans", "Behind the scenes", "Tiny studio update",
    "Back on the trail", "Morning ritual", "Weekend recap", "Testing a new recipe",
    "Throwback", "Best view in town", "Nouvelle vidéo ✨", "Día de playa 🌊", "Danke!",
)  # fmt: skip
DEMO_MENTIONS: Final = ("demo_small", "demo_owner", "demo_big", "demo_unicode")

# kind -> (media_type, wire product_type)
KINDS: Final[dict[str, tuple[int, str]]] = {
    "photo": (1, "feed"),
    "video": (2, "feed"),
    "reel": (2, "clips"),
    "carousel": (8, "carousel_container"),
    "igtv": (2, "igtv"),
}
NORMALISED: Final = {
    "feed": "feed",
    "clips": "clips",
    "carousel_container": "carousel",
    "igtv": "igtv",
}


@dataclass(frozen=True)
class SimPost:
    owner: int  # the account's index in the world
    pk: int
    code: str
    taken_at: int  # unix seconds
    publish_day: int  # the simulated day it appears on (<= 0: before the calendar starts)
    removed_day: int | None  # gone from this day on
    kind: str
    in_feed: bool
    in_clips: bool
    caption: str | None
    duration: float | None
    hidden: str | None  # None, "minus_one" (like_count -1) or "disabled" (fake 3 + flag)
    likes: int  # the counts it grows towards
    comments: int
    plays: int
    ig_plays: int
    views: int
    coauthors: tuple[int, ...]  # indexes of coauthor accounts
    carousel_count: int

    @property
    def media_type(self) -> int:
        return KINDS[self.kind][0]

    @property
    def product_type(self) -> str:
        return KINDS[self.kind][1]

    def visible(self, day: int) -> bool:
        return self.publish_day <= day and (self.removed_day is None or day < self.removed_day)

    def growth(self, day: int) -> float:
        """Share of the final counts reached on `day`: young posts still climb."""
        age = max(day - self.publish_day, 0)
        return 1.0 - 0.6 * math.exp(-age / 3.0)

    def counts(self, day: int) -> dict[str, int]:
        share = self.growth(day)
        return {
            "likes": round(self.likes * share),
            "comments": round(self.comments * share),
            "plays": round(self.plays * share),
            "ig_plays": round(self.ig_plays * share),
            "views": round(self.views * share),
        }


_LOW: Final = 2**23 - 1


def _scramble(high: int) -> int:
    # Mixed into the low bits so shortcodes of one account do not share an ending.
    return (high * 0x9E3779B1) & _LOW


def media_pk(taken_at: int, owner: int) -> int:
    high = (taken_at * 1000 - IG_EPOCH_MS) // 1000 * 1000 + (owner >> 23)
    return (high << 23) | ((owner & _LOW) ^ _scramble(high))


def owner_of(pk: int) -> int | None:
    """The owner index hidden in a simulated media pk, or None."""
    high = pk >> 23
    if pk <= 0 or pk >= 2**63 or high % 1000 >= 512:
        return None
    return ((high % 1000) << 23) | ((pk & _LOW) ^ _scramble(high))


def shortcode(pk: int) -> str:
    out = ""
    while pk:
        pk, rest = divmod(pk, 64)
        out = SHORTCODE_ALPHABET[rest] + out
    return out or "A"


class ContentBook:
    """Every account's posts, built lazily and kept for the most recent accounts."""

    def __init__(self, world: World) -> None:
        self._world = world
        self._lock = threading.RLock()
        self._cache: OrderedDict[int, tuple[SimPost, ...]] = OrderedDict()

    def posts(self, owner: int) -> tuple[SimPost, ...]:
        """All posts ever (past and planned), newest first."""
        with self._lock:
            posts = self._cache.get(owner)
            if posts is None:
                posts = self._cache[owner] = self._build(owner)
                while len(self._cache) > CACHED_ACCOUNTS:
                    self._cache.popitem(last=False)
            else:
                self._cache.move_to_end(owner)
            return posts

    def visible(self, owner: int, day: int) -> list[SimPost]:
        return [post for post in self.posts(owner) if post.visible(day)]

    def find(self, pk: int) -> SimPost | None:
        owner = owner_of(pk)
        if owner is None or self._world.index_of_pk(self._world.pk_of(owner)) is None:
            return None
        for post in self.posts(owner):
            if post.pk == pk:
                return post
        return None

    def _build(self, owner: int) -> tuple[SimPost, ...]:
        from scraping.simulator.world import DAY_SECONDS, EPOCH

        world = self._world
        facts = world.facts(owner)
        past = facts.media_count
        if past == 0:
            return ()
        rng = random.Random(f"{world.seed}:content:{owner}")
        audience = max(world.spec(owner, "followers").size, 20)
        cadence = 1.5 + rng.random() * 3  # mean days between posts
        times: list[int] = []
        moment = EPOCH - rng.randrange(3600, 20 * 3600)
        for _ in range(past):
            times.append(moment)
            moment -= int(rng.expovariate(1 / cadence) * DAY_SECONDS) + 60
        future: list[int] = []
        day = 0
        while True:
            day += max(1, round(rng.expovariate(1 / cadence)))
            if day > FUTURE_DAYS:
                break
            future.append(EPOCH + day * DAY_SECONDS + rng.randrange(6 * 3600, 23 * 3600))
        stamps = sorted(future, reverse=True) + times
        posts = []
        for n, taken_at in enumerate(stamps):
            publish_day = (taken_at - EPOCH) // DAY_SECONDS
            posts.append(self._post(owner, n, taken_at, publish_day, audience, rng))
        return self._with_guarantees(owner, posts, len(future))

    def _post(
        self, owner: int, n: int, taken_at: int, publish_day: int, audience: int, rng: random.Random
    ) -> SimPost:
        roll = rng.random()
        if roll < 0.42:
            kind = "photo"
        elif roll < 0.52:
            kind = "video"
        elif roll < 0.82:
            kind = "reel"
        elif roll < 0.97:
            kind = "carousel"
        else:
            kind = "igtv"
        caption: str | None = None
        if rng.random() >= 0.08:
            parts = [rng.choice(CAPTION_WORDS)]
            parts += ["#" + tag for tag in rng.sample(HASHTAGS, rng.randrange(0, 4))]
            if rng.random() < 0.3:
                parts.append("with @" + self._mention(owner, rng))
            caption = " ".join(parts)
        duration = None
        if kind == "reel":
            duration = round(rng.uniform(4.0, 90.0), 3)
        elif kind == "video":
            duration = round(rng.uniform(3.0, 60.0), 3)
        elif kind == "igtv":
            duration = round(rng.uniform(60.0, 900.0), 3)
        hide = rng.random()
        hidden = "minus_one" if hide < 0.04 else "disabled" if hide < 0.07 else None
        rate = math.exp(rng.gauss(math.log(0.03), 0.7))
        likes = max(0, round(audience * rate))
        plays = round(audience * math.exp(rng.gauss(math.log(2.0), 0.9))) if kind == "reel" else 0
        removed_day = max(publish_day, 0) + rng.randint(1, 60) if rng.random() < 0.005 else None
        coauthors: tuple[int, ...] = ()
        if rng.random() < 0.05:
            members = self._world.members(owner, "followers", 0)
            if members:
                coauthors = (members[rng.randrange(len(members))],)
        return SimPost(
            owner=owner,
            pk=media_pk(taken_at, owner),
            code=shortcode(media_pk(taken_at, owner)),
            taken_at=taken_at,
            publish_day=publish_day,
            removed_day=removed_day,
            kind=kind,
            in_feed=kind != "reel" or rng.random() < 0.6,
            in_clips=kind == "reel",
            caption=caption,
            duration=duration,
            hidden=hidden,
            likes=likes,
            comments=round(likes * rng.uniform(0.01, 0.06)),
            plays=plays,
            ig_plays=round(plays * rng.uniform(0.6, 0.95)),
            views=round(likes * rng.uniform(4, 15)) if kind in ("video", "igtv") else 0,
            coauthors=coauthors,
            carousel_count=rng.randint(2, 6) if kind == "carousel" else 0,
        )

    def _mention(self, owner: int, rng: random.Random) -> str:
        if self._world.cast_member(owner) is not None:
            name = rng.choice(DEMO_MENTIONS)
            if name != self._world.facts(owner).username:
                return name
        members = self._world.members(owner, "following", 0)
        if not members:
            return rng.choice(DEMO_MENTIONS)
        return self._world.user(members[rng.randrange(len(members))], 0).username

    def _with_guarantees(
        self, owner: int, posts: list[SimPost], future: int
    ) -> tuple[SimPost, ...]:
        """Every account with a few posts shows each quirk at least once on day 0: a reel
        in both feed and reels tab, a reel only in the reels tab, a carousel, a null
        caption, both kinds of hidden likes, and a post that is removed on day 1."""
        past = posts[future:]
        if len(past) < 8:
            return tuple(posts)
        fixes: dict[int, dict[str, Any]] = {
            0: {"kind": "reel", "in_feed": True, "in_clips": True, "hidden": None},
            1: {"kind": "photo", "in_feed": True, "in_clips": False, "caption": None},
            2: {"removed_day": 1},
            3: {"kind": "reel", "in_feed": False, "in_clips": True},
            4: {"kind": "carousel", "in_feed": True, "in_clips": False, "carousel_count": 3},
            5: {"hidden": "minus_one"},
            6: {"hidden": "disabled"},
        }
        for position, change in fixes.items():
            post = past[position]
            if post.kind != change.get("kind", post.kind):
                kind = change["kind"]
                rng = random.Random(post.pk)
                if kind == "reel":
                    change.setdefault("duration", round(rng.uniform(4.0, 90.0), 3))
                    plays = max(post.likes * 12, 100)
                    change.update(plays=plays, ig_plays=plays * 4 // 5, views=0)
                else:
                    change.update(duration=None, plays=0, ig_plays=0, views=0)
                change.setdefault("carousel_count", 0)
            past[position] = replace(post, **change)
        return tuple(posts[:future] + past)


def _thumb_id(post: SimPost) -> str:
    return str(post.pk) if post.carousel_count == 0 else f"{post.pk}c0"


def _image(world: World, media_id: str, width: int, height: int) -> dict[str, Any]:
    url = (
        f"{world.public_url}/sim-cdn/v/t51.2885-15/{media_id}_n.jpg?stp=dst-jpg_e35_p{width}x"
        f"{height}&_nc_ht=sim-cdn&oh=00_{world.sign(f'media:{media_id}', 24)}"
    )
    return {"width": width, "height": height, "url": url}


def _short_user(world: World, index: int, day: int) -> dict[str, Any]:
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


def media_item(
    world: World, post: SimPost, day: int, *, play_counts: bool, list_answer: bool = False
) -> dict[str, Any]:
    """The post in the mobile shape (feed, clips, media info; web timeline nodes)."""
    counts = post.counts(day)
    owner = _short_user(world, post.owner, day)
    item: dict[str, Any] = {
        "pk": post.pk,
        "id": f"{post.pk}_{owner['pk']}",
        "code": post.code,
        "taken_at": post.taken_at,
        "device_timestamp": post.taken_at * 1_000_000,
        "media_type": post.media_type,
        "product_type": post.product_type,
        "user": owner,
        "caption": None,
        "comment_count": counts["comments"],
        "like_and_view_counts_disabled": post.hidden == "disabled",
        "can_viewer_save": True,
        "has_liked": False,
        "coauthor_producers": [_short_user(world, i, day) for i in post.coauthors],
    }
    if post.caption is not None:
        item["caption"] = {
            "pk": str(post.pk + 1),
            "user_id": owner["pk"],
            "text": post.caption,
            "type": 1,
            "created_at": post.taken_at,
            "created_at_utc": post.taken_at,
        }
    if post.hidden == "minus_one":
        item["like_count"] = -1
    elif post.hidden == "disabled":
        item["like_count"] = 3
    else:
        item["like_count"] = counts["likes"]
    if post.kind == "carousel":
        item["carousel_media_count"] = post.carousel_count
        item["carousel_media"] = [
            {
                "pk": post.pk + k + 1,
                "id": f"{post.pk + k + 1}_{owner['pk']}",
                "media_type": 1,
                "carousel_parent_id": item["id"],
                "image_versions2": {
                    "candidates": [
                        _image(world, f"{post.pk}c{k}", 1080, 1350),
                        _image(world, f"{post.pk}c{k}", 640, 800),
                    ]
                },
            }
            for k in range(post.carousel_count)
        ]
    else:
        item["image_versions2"] = {
            "candidates": [
                _image(world, str(post.pk), 1080, 1350),
                _image(world, str(post.pk), 640, 800),
            ]
        }
    if post.media_type == 2:
        item["video_duration"] = post.duration
        item["has_audio"] = True
        item["video_versions"] = [
            {
                "type": 101,
                "width": 720,
                "height": 1280,
                "url": f"{world.public_url}/sim-cdn/o1/v/t16/{post.pk}.mp4",
            }
        ]
        if post.kind == "reel":
            # Logged-out (and web list) answers carry no play counts.
            item["play_count"] = counts["plays"] if play_counts and not list_answer else None
            item["ig_play_count"] = counts["ig_plays"] if play_counts and not list_answer else None
        elif post.hidden != "disabled":
            item["view_count"] = counts["views"]
    return item


def legacy_node(world: World, post: SimPost, day: int) -> dict[str, Any]:
    """The post as the legacy web GraphQL names it (web_profile_info's newest posts)."""
    counts = post.counts(day)
    owner = world.user(post.owner, day)
    likes = -1 if post.hidden else counts["likes"]
    node: dict[str, Any] = {
        "__typename": {1: "GraphImage", 2: "GraphVideo", 8: "GraphSidecar"}[post.media_type],
        "id": str(post.pk),
        "shortcode": post.code,
        "is_video": post.media_type == 2,
        "taken_at_timestamp": post.taken_at,
        "product_type": post.product_type,
        "owner": {"id": str(owner.pk), "username": owner.username},
        "edge_liked_by": {"count": likes},
        "edge_media_preview_like": {"count": likes},
        "edge_media_to_comment": {"count": counts["comments"]},
        "edge_media_to_caption": {
            "edges": [] if post.caption is None else [{"node": {"text": post.caption}}]
        },
        "display_url": _image(world, _thumb_id(post), 1080, 1350)["url"],
        "coauthor_producers": [
            {"id": str(world.pk_of(i)), "username": world.user(i, day).username}
            for i in post.coauthors
        ],
    }
    if post.media_type == 2:
        node["video_duration"] = post.duration
        hidden = post.hidden == "disabled" or post.kind == "reel"
        node["video_view_count"] = None if hidden else counts["views"]
    return node


def truth_entry(world: World, post: SimPost, day: int) -> dict[str, Any]:
    """The post as igdash should read it (a logged-in answer): Media's fields."""
    counts = post.counts(day)
    owner = world.user(post.owner, day)
    views = post.media_type == 2 and post.kind != "reel" and post.hidden != "disabled"
    return {
        "pk": post.pk,
        "shortcode": post.code,
        "owner_pk": owner.pk,
        "product_type": NORMALISED[post.product_type],
        "media_type": post.media_type,
        "taken_at": post.taken_at,
        "caption": post.caption or "",
        "likes": None if post.hidden else counts["likes"],
        "comments": counts["comments"],
        "plays": counts["plays"] if post.kind == "reel" else None,
        "ig_plays": counts["ig_plays"] if post.kind == "reel" else None,
        "views": counts["views"] if views else None,
        "duration": post.duration,
        "coauthors": [world.user(i, day).username for i in post.coauthors],
        "thumbnail_url": _image(world, _thumb_id(post), 1080, 1350)["url"],
        "in_feed": post.in_feed,
        "in_clips": post.in_clips,
    }
