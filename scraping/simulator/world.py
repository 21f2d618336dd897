"""The simulated Instagram population: deterministic users and lists, from a seed.

Every user is an index in a 32-bit universe. Everything about a user (pk, names,
flags, picture) is a pure function of (seed, index) plus the day for what changes
over time (username after a rename, the signed picture URL). Every user has a
followers and a following list; the cast (see CAST and docs/simulator.md) are users
with hand-picked sizes, churn and default scenarios.

Lists evolve day by day: each day a share of the list leaves and new users join at
the top (Instagram lists newest first). A user who left never rejoins.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Final

from scraping.instagram.endpoints import Direction
from scraping.simulator.content import ContentBook

MASK: Final = 2**32 - 1
UNIVERSE: Final = 2**32
RESERVED: Final = 4096  # indices below this belong to the cast only
SMALL_PK_BASE: Final = 1_000_000_000
BIG_PK_BASE: Final = 17_841_400_000_000_000  # the "1784..." ids of newer accounts, > 2**53
EPOCH: Final = 1_767_225_600  # 2026-01-01 UTC: day 0 of the simulated calendar
DAY_SECONDS: Final = 86_400
ANONYMOUS_PIC: Final = "44884218_345707102882519_2446069589734326272_n.jpg"
CAPPED_SIZE: Final = 50

_M1: Final = 0x9E3779B1
_M2: Final = 0x85EBCA6B
_M1_INV: Final = pow(_M1, -1, UNIVERSE)
_M2_INV: Final = pow(_M2, -1, UNIVERSE)

FIRST_NAMES: Final = (
    "Maya", "Liam", "Olivia", "Noah", "Emma", "Lucas", "Ava", "Ethan", "Sofia", "Mateo",
    "Chloe", "Leo", "Zara", "Kai", "Nina", "Omar", "Ivy", "Hugo", "Lena", "Theo",
    "Aria", "Felix", "Mila", "Jonas", "Elena", "Sam", "Rosa", "Dario", "Ines", "Yuki",
)  # fmt: skip
LAST_NAMES: Final = (
    "Rivera", "Chen", "Patel", "Novak", "Silva", "Kowalski", "Okafor", "Larsen", "Moreau",
    "Tanaka", "Rossi", "Fischer", "Haddad", "Nguyen", "Costa", "Berg", "Singh", "Murphy",
    "Duarte", "Ivanova",
)  # fmt: skip
WORDS: Final = (
    "river", "studio", "travels", "bakes", "photo", "art", "runs", "daily", "coffee",
    "garden", "music", "design", "films", "books", "surf", "climbs", "eats", "lab",
    "journal", "wild", "north", "pixel", "ocean", "atelier",
)  # fmt: skip
# Non-ASCII names, grouped so a target can be filled with them. RTL scripts, mixed
# direction, combining marks and ZWJ emoji sequences are all in here on purpose.
UNICODE_NAMES: Final = (
    "José Müller", "Zoë Ångström", "Chloé Dubois", "Søren Kjærgård", "Łukasz Wójcik",
    "Renée Château", "Ørjan Sæther", "İlkay Gündoğan", "Đorđe Petrović", "Zoe\u0308 Bra\u0308m",
    "محمد العلي", "نور الهدى", "فاطمة الزهراء", "أحمد منصور", "ليلى حسن", "يوسف خليل",
    "נועה כהן", "איתי לוי", "שירה מזרחי", "יונתן פרץ", "Sara سارا", "Dana דנה",
    "山田 太郎", "김민준", "王芳", "佐藤 花子", "李娜", "박서연",
    "Анна Смирнова", "Дмитрий Иванов", "Νίκος Παπαδόπουλος", "Ελένη Γεωργίου",
    "Maya ✨", "🌸 Ines 🌸", "Leo 🇧🇷", "👩\u200d💻 Aria", "Kai 🏄\u200d♂️",
)  # fmt: skip


def _h(*parts: object) -> int:
    text = "\x1f".join(str(part) for part in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


def _b36(value: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        value, rest = divmod(value, 36)
        out = digits[rest] + out
        if value == 0:
            return out


def _perm(index: int, key: int) -> int:
    x = (index ^ key) & MASK
    x = (x * _M1) & MASK
    x ^= x >> 16
    x = (x * _M2) & MASK
    x ^= x >> 13
    return x


def _unperm(value: int, key: int) -> int:
    x = value ^ (value >> 13) ^ (value >> 26)
    x = (x * _M2_INV) & MASK
    x ^= x >> 16
    x = (x * _M1_INV) & MASK
    return x ^ key


def _round(value: float, rng: random.Random) -> int:
    whole = int(value)
    return whole + (1 if rng.random() < value - whole else 0)


@dataclass(frozen=True)
class ListSpec:
    size: int
    leave_rate: float = 0.01  # share of the list that unfollows each day
    join_rate: float = 0.012  # new followers per day, as a share of the list
    pinned: tuple[str, ...] = ()  # cast usernames always in the list (oldest), within size


@dataclass(frozen=True)
class CastMember:
    username: str
    full_name: str
    description: str
    followers: ListSpec
    following: ListSpec
    biography: str = ""
    is_private: bool = False
    is_verified: bool = False
    media_count: int = 24
    scenarios: Mapping[str, Any] = field(default_factory=dict)
    # Which users fill the followers list: "unicode" names only, or users who "rename".
    population: str | None = None
    password: str | None = None
    two_factor_code: str | None = None
    login_challenge: bool = False


DEMO_PASSWORD: Final = "demo-pass"  # noqa: S105 - the simulator's public demo login
DEMO_2FA_CODE: Final = "123456"

CAST: Final[tuple[CastMember, ...]] = (
    CastMember(
        "demo_owner", "Demo Owner", "Plain password login; follows demo_private_friend.",
        ListSpec(150), ListSpec(120, pinned=("demo_private_friend", "demo_small")),
        password=DEMO_PASSWORD,
    ),
    CastMember(
        "demo_2fa", "Demo Two-Factor", f"Login with two-factor code {DEMO_2FA_CODE}.",
        ListSpec(80), ListSpec(60, pinned=("demo_private_friend",)),
        password=DEMO_PASSWORD, two_factor_code=DEMO_2FA_CODE,
    ),
    CastMember(
        "demo_challenge", "Demo Challenge", "Login always answers challenge_required.",
        ListSpec(40), ListSpec(30), password=DEMO_PASSWORD, login_challenge=True,
    ),
    CastMember(
        "demo_small", "Small Demo", "300 followers, fast churn (2% leave, 3% join a day).",
        ListSpec(300, 0.02, 0.03, pinned=("demo_owner",)), ListSpec(180, 0.01, 0.01),
        biography="A small account for quick demos.", scenarios={"cursor": "numeric"},
    ),
    CastMember(
        "demo_big", "Big Demo ✔", "20,000 followers, opaque cursors, verified.",
        ListSpec(20_000, 0.004, 0.006), ListSpec(1_200, 0.005, 0.005),
        is_verified=True, media_count=320, scenarios={"cursor": "opaque"},
    ),
    CastMember(
        "demo_private", "Private Demo", "Private; no demo login follows it (PrivateTarget).",
        ListSpec(850), ListSpec(300), is_private=True,
    ),
    CastMember(
        "demo_private_friend", "Private Friend", "Private; demo_owner and demo_2fa follow it.",
        ListSpec(420, pinned=("demo_owner", "demo_2fa")), ListSpec(250), is_private=True,
    ),
    CastMember(
        "demo_unicode", "نور الهدى · Nour 🌙", "Followers with non-Latin, RTL and emoji names; "
        "raw UTF-8 JSON.", ListSpec(500), ListSpec(200), population="unicode",
        scenarios={"utf8_raw": True},
    ),
    CastMember(
        "demo_capped", "Capped Demo", "5,000 followers but the list is capped to ~50.",
        ListSpec(5_000, 0.002, 0.003), ListSpec(300), is_verified=True,
        scenarios={"capped": True},
    ),
    CastMember(
        "demo_graphql_empty", "GraphQL Empty", "GraphQL answers count with empty edges.",
        ListSpec(1_500), ListSpec(400), scenarios={"graphql_empty_edges": True},
    ),
    CastMember(
        "demo_overlap", "Overlap Demo", "Pages overlap by 7 users.",
        ListSpec(2_000), ListSpec(350), scenarios={"overlap": 7, "cursor": "opaque"},
    ),
    CastMember(
        "demo_string_pks", "String Pks", "pk sent as text for half the users.",
        ListSpec(1_000), ListSpec(200), scenarios={"pk_format": "mixed"},
    ),
    CastMember(
        "demo_renames", "Renames Demo", "Every follower renames once, on day 1 to 5.",
        ListSpec(400, 0.0, 0.0), ListSpec(150), population="renames",
    ),
    CastMember(
        "demo_ratelimit", "Rate Limit Demo", "429 (Retry-After: 2) after 5 list requests, "
        "for 3 requests.", ListSpec(3_000), ListSpec(200),
        scenarios={"rate_limit": {"after": 5, "for": 3, "retry_after": 2}},
    ),
    CastMember(
        "demo_logout", "Logout Demo", "login_required after 3 list pages.",
        ListSpec(2_500), ListSpec(200), scenarios={"logout_after_pages": 3},
    ),
    CastMember(
        "demo_empty", "Empty Demo", "Really has no followers and follows nobody.",
        ListSpec(0, 0.0, 0.0), ListSpec(0, 0.0, 0.0), media_count=0,
    ),
)  # fmt: skip


@dataclass(frozen=True)
class UserFacts:
    """What never changes about a user (per seed)."""

    index: int
    pk: int
    username: str
    renamed_username: str | None
    rename_day: int | None
    full_name: str
    is_private: bool
    is_verified: bool
    anonymous_pic: bool
    media_count: int
    biography: str


@dataclass(frozen=True)
class SimUser:
    """A user as seen on one day."""

    index: int
    pk: int
    username: str
    full_name: str
    is_private: bool
    is_verified: bool
    profile_pic_url: str
    profile_pic_url_hd: str
    profile_pic_id: str | None


@dataclass(frozen=True)
class ListState:
    members: tuple[int, ...]  # newest first
    member_set: frozenset[int]
    next_k: int  # position in the pool of the next user to join


class _Pool:
    """An endless sequence of distinct user indices that may join one list."""

    def __init__(self, world: World, owner: int, direction: Direction) -> None:
        self._world = world
        self._owner = owner
        self._direction = direction
        self._items: list[int] = []
        self._seen: set[int] = set()
        self._k = 0
        self._odd_k = 0
        cast = world.cast_member(owner)
        self._population = cast.population if cast and direction == "followers" else None
        seed = world.seed
        self._a = _h(seed, owner, direction, "a") | 1
        self._b = _h(seed, owner, direction, "b")
        pinned = world.pinned(owner, direction)
        self._seen.update(pinned)
        self._seen.add(owner)

    def get(self, position: int) -> int:
        while len(self._items) <= position:
            self._items.append(self._next())
        return self._items[position]

    def _next(self) -> int:
        slot = len(self._items)
        if self._direction == "following" and slot % 2 == 0:
            # Every other account it follows is one of its own followers: mutuals.
            candidate = self._world.pool(self._owner, "followers").get(slot // 2)
            if candidate not in self._seen:
                self._seen.add(candidate)
                return candidate
        while True:
            candidate = (self._a * self._k + self._b) & MASK
            self._k += 1
            if candidate >= RESERVED and candidate not in self._seen and self._fits(candidate):
                self._seen.add(candidate)
                return candidate

    def _fits(self, index: int) -> bool:
        if self._population == "unicode":
            return self._world.facts(index).full_name.isascii() is False
        if self._population == "renames":
            rename_day = self._world.facts(index).rename_day
            return rename_day is not None and rename_day <= 5
        return True


class World:
    """Deterministic users and lists for one seed, plus the simulated calendar."""

    def __init__(
        self,
        seed: int = 1,
        public_url: str = "http://127.0.0.1:8765",
        *,
        follower_counts: Mapping[str, int] | None = None,
    ) -> None:
        self.seed = seed
        self.public_url = public_url.rstrip("/")
        self.day = 0
        self._lock = threading.RLock()
        self._key = _h(seed, "perm") & MASK
        self._secret = hashlib.sha256(f"igdash-sim-{seed}".encode()).digest()
        self._cast_by_name = {member.username: i + 1 for i, member in enumerate(CAST)}
        self._cast_by_index = {i + 1: member for i, member in enumerate(CAST)}
        self._pools: dict[tuple[int, str], _Pool] = {}
        self._lists: dict[tuple[int, str], dict[int, ListState]] = {}
        self._revoked: set[str] = set()
        self._password_key: Any = None
        # Renames made through the control API (POST /__sim__/rename), from now on.
        self._renamed: dict[int, str] = {}
        self._renamed_by_name: dict[str, int] = {}
        self.facts = lru_cache(maxsize=400_000)(self._facts)
        self.content = ContentBook(self)
        # Benchmarks: a user's followers list at another size (demo_big at 100,000; the
        # scale benchmark's targets, ordinary users, at 20,000 each).
        self._follower_counts: dict[int, int] = {}
        unknown = []
        for name, count in (follower_counts or {}).items():
            index = self._cast_by_name.get(name) or self.index_of_username(name)
            if index is None:
                unknown.append(name)
            else:
                self._follower_counts[index] = count
        if unknown:
            raise ValueError(f"no such user: {', '.join(sorted(unknown))}")

    # --- identities -----------------------------------------------------------------
    def pk_of(self, index: int) -> int:
        r = _perm(index, self._key)
        return BIG_PK_BASE + r if r % 16 == 0 else SMALL_PK_BASE + r

    def index_of_pk(self, pk: int) -> int | None:
        if BIG_PK_BASE <= pk < BIG_PK_BASE + UNIVERSE and (pk - BIG_PK_BASE) % 16 == 0:
            index = _unperm(pk - BIG_PK_BASE, self._key)
        elif SMALL_PK_BASE <= pk < SMALL_PK_BASE + UNIVERSE and (pk - SMALL_PK_BASE) % 16 != 0:
            index = _unperm(pk - SMALL_PK_BASE, self._key)
        else:
            return None
        if index < RESERVED and index not in self._cast_by_index:
            return None
        return index

    def index_of_username(self, username: str, day: int | None = None) -> int | None:
        """The user who holds this username on that day (an old name stops resolving)."""
        day = self.day if day is None else day
        username = username.strip().lstrip("@").lower()
        index = self._renamed_by_name.get(username)
        if index is None:
            index = self._cast_by_name.get(username)
        if index is None:
            _, _, suffix = username.rpartition(".")
            try:
                index = int(suffix, 36)
            except ValueError:
                return None
            if not RESERVED <= index < UNIVERSE:
                return None
        return index if self.user(index, day).username == username else None

    def cast_member(self, index: int) -> CastMember | None:
        return self._cast_by_index.get(index)

    def cast_index(self, username: str) -> int | None:
        return self._cast_by_name.get(username)

    def _facts(self, index: int) -> UserFacts:
        h = _h(self.seed, "user", index)
        cast = self._cast_by_index.get(index)
        if cast is not None:
            return UserFacts(
                index=index,
                pk=self.pk_of(index),
                username=cast.username,
                renamed_username=None,
                rename_day=None,
                full_name=cast.full_name,
                is_private=cast.is_private,
                is_verified=cast.is_verified,
                anonymous_pic=False,
                media_count=cast.media_count,
                biography=cast.biography,
            )
        rng = random.Random(h)
        first = rng.choice(FIRST_NAMES)
        style = rng.randrange(100)
        if style < 60:
            full_name = f"{first} {rng.choice(LAST_NAMES)}"
        elif style < 88:
            full_name = rng.choice(UNICODE_NAMES)
        elif style < 94:
            full_name = first
        else:
            full_name = ""
        suffix = _b36(index)
        rename_day = rng.randint(1, 30) if rng.randrange(100) < 4 else None
        renamed = f"{rng.choice(WORDS)}_{first.lower()}.{suffix}" if rename_day else None
        return UserFacts(
            index=index,
            pk=self.pk_of(index),
            username=f"{first.lower()}.{rng.choice(WORDS)}.{suffix}",
            renamed_username=renamed,
            rename_day=rename_day,
            full_name=full_name,
            is_private=rng.randrange(100) < 22,
            is_verified=rng.randrange(100) < 2,
            anonymous_pic=rng.randrange(100) < 8,
            media_count=rng.randrange(400),
            biography="",
        )

    def user(self, index: int, day: int | None = None) -> SimUser:
        day = self.day if day is None else day
        facts = self.facts(index)
        username = facts.username
        if facts.rename_day is not None and day >= facts.rename_day and facts.renamed_username:
            username = facts.renamed_username
        username = self._renamed.get(index, username)
        pic_id: str | None = None
        if facts.anonymous_pic:
            url = f"{self.public_url}/sim-cdn/v/t51.2885-19/{ANONYMOUS_PIC}"
            url = url_hd = url + "?_nc_ht=sim-cdn"
        else:
            pic_id = f"{facts.pk}_{_h(self.seed, 'pic', index) % 10**16}"
            url = self._cdn_url(pic_id, day, "s150x150")
            url_hd = self._cdn_url(pic_id, day, "s320x320")
        return SimUser(
            index=index,
            pk=facts.pk,
            username=username,
            full_name=facts.full_name,
            is_private=facts.is_private,
            is_verified=facts.is_verified,
            profile_pic_url=url,
            profile_pic_url_hd=url_hd,
            profile_pic_id=pic_id,
        )

    def _cdn_url(self, pic_id: str, day: int, size: str) -> str:
        # Shaped like a signed Instagram CDN URL; the signature and expiry move daily.
        expiry = EPOCH + (day + 10) * DAY_SECONDS
        sig = hmac.new(self._secret, f"{pic_id}:{day}:{size}".encode(), "sha256").hexdigest()
        return (
            f"{self.public_url}/sim-cdn/v/t51.2885-19/{pic_id}_n.jpg?stp=dst-jpg_e0_{size}"
            f"&_nc_ht=sim-cdn&_nc_cat={1 + int(sig[:2], 16) % 120}&_nc_ohc={sig[2:14]}"
            f"&edm=AOQ1c0wBAAAA&ccb=7-5&oh=00_{sig[14:46]}&oe={expiry:08X}&_nc_sid=8b3546"
        )

    # --- lists -----------------------------------------------------------------------
    def pinned(self, owner: int, direction: Direction) -> tuple[int, ...]:
        cast = self._cast_by_index.get(owner)
        if cast is None:
            return ()
        spec = cast.followers if direction == "followers" else cast.following
        return tuple(self._cast_by_name[name] for name in spec.pinned)

    def spec(self, owner: int, direction: Direction) -> ListSpec:
        cast = self._cast_by_index.get(owner)
        if cast is not None:
            if direction == "followers" and owner in self._follower_counts:
                return replace(cast.followers, size=self._follower_counts[owner])
            return cast.followers if direction == "followers" else cast.following
        if direction == "followers" and owner in self._follower_counts:
            return ListSpec(self._follower_counts[owner])
        h = _h(self.seed, "sizes", owner, direction)
        size = ((h % 1000) ** 2) // (2500 if direction == "followers" else 2000)
        return ListSpec(size)

    def pool(self, owner: int, direction: Direction) -> _Pool:
        with self._lock:
            pool = self._pools.get((owner, direction))
            if pool is None:
                pool = self._pools[(owner, direction)] = _Pool(self, owner, direction)
            return pool

    def list_state(self, owner: int, direction: Direction, day: int | None = None) -> ListState:
        day = self.day if day is None else day
        with self._lock:
            days = self._lists.setdefault((owner, direction), {})
            if day in days:
                return days[day]
            start = max((d for d in days if d <= day), default=None)
            if start is None:
                state = self._day_zero(owner, direction)
                days[0] = state
                start = 0
            state = days[start]
            for d in range(start + 1, day + 1):
                state = self._next_day(owner, direction, state, d)
            days[day] = state
            if len(days) > 12:
                for old in sorted(d for d in days if d not in (0, day))[: len(days) - 12]:
                    del days[old]
            return state

    def members(self, owner: int, direction: Direction, day: int | None = None) -> tuple[int, ...]:
        return self.list_state(owner, direction, day).members

    def _day_zero(self, owner: int, direction: Direction) -> ListState:
        spec = self.spec(owner, direction)
        pool = self.pool(owner, direction)
        pinned = self.pinned(owner, direction)
        base = max(spec.size - len(pinned), 0)
        members = tuple(pool.get(k) for k in reversed(range(base))) + pinned
        return ListState(members, frozenset(members), base)

    def _next_day(self, owner: int, direction: Direction, prev: ListState, day: int) -> ListState:
        spec = self.spec(owner, direction)
        rng = random.Random(_h(self.seed, "churn", owner, direction, day))
        count = len(prev.members)
        pinned = set(self.pinned(owner, direction))
        leave = min(_round(count * spec.leave_rate, rng), count)
        gone = {prev.members[i] for i in rng.sample(range(count), leave)} - pinned
        join = _round(count * spec.join_rate, rng) if count else 0
        pool = self.pool(owner, direction)
        joined = [pool.get(prev.next_k + i) for i in range(join)]
        members = tuple(reversed(joined)) + tuple(m for m in prev.members if m not in gone)
        return ListState(members, frozenset(members), prev.next_k + join)

    def follower_count(self, owner: int, day: int | None = None) -> int:
        return len(self.members(owner, "followers", day))

    def following_count(self, owner: int, day: int | None = None) -> int:
        return len(self.members(owner, "following", day))

    def media_count(self, owner: int, day: int | None = None) -> int:
        """Posts and reels the account shows on that day (its profile's media_count)."""
        return len(self.content.visible(owner, self.day if day is None else day))

    def truth(self, owner: int, direction: Direction, day: int | None = None) -> list[SimUser]:
        day = self.day if day is None else day
        return [self.user(index, day) for index in self.members(owner, direction, day)]

    def rename(self, index: int, username: str) -> None:
        """The user takes `username` from now on; the old name stops resolving.
        ValueError when another user holds the name."""
        username = username.strip().lstrip("@").lower()
        with self._lock:
            holder = self.index_of_username(username)
            if holder is not None and holder != index:
                raise ValueError(f"{username!r} belongs to another user")
            old = self._renamed.pop(index, None)
            if old is not None:
                self._renamed_by_name.pop(old, None)
            self._renamed[index] = username
            self._renamed_by_name[username] = index

    def reset_renames(self) -> None:
        with self._lock:
            self._renamed.clear()
            self._renamed_by_name.clear()

    # --- calendar --------------------------------------------------------------------
    def set_day(self, day: int) -> None:
        with self._lock:
            self.day = max(0, int(day))

    # --- sessions --------------------------------------------------------------------
    def _sign(self, text: str, length: int = 32) -> str:
        return hmac.new(self._secret, text.encode(), "sha256").hexdigest()[:length]

    def new_session(self, index: int) -> str:
        """A sessionid shaped like Instagram's ("<pk>%3A<token>%3A<n>%3A<sig>")."""
        pk = self.pk_of(index)
        token = secrets.token_urlsafe(10).replace("-", "x").replace("_", "y")
        return f"{pk}%3A{token}%3A8%3A{self._sign(f'{pk}:{token}')}"

    def session_owner(self, sessionid: str | None) -> int | None:
        if not sessionid or sessionid in self._revoked:
            return None
        parts = sessionid.replace("%3A", ":").split(":")
        if len(parts) != 4 or not parts[0].isdigit():
            return None
        pk, token, _, sig = parts
        if not hmac.compare_digest(sig, self._sign(f"{pk}:{token}")):
            return None
        return self.index_of_pk(int(pk))

    def revoke(self, sessionid: str) -> None:
        with self._lock:
            self._revoked.add(sessionid)

    def reset_sessions(self) -> None:
        with self._lock:
            self._revoked.clear()

    def authorization_for(self, sessionid: str, index: int) -> str:
        payload = {
            "ds_user_id": str(self.pk_of(index)),
            "sessionid": sessionid,
            "should_use_header_over_cookies": True,
        }
        return "Bearer IGT:2:" + base64.b64encode(json.dumps(payload).encode()).decode()

    def two_factor_identifier(self, username: str) -> str:
        token = secrets.token_hex(8)
        return f"{token}{self._sign(f'2fa:{username}:{token}', 24)}"

    def two_factor_identifier_ok(self, username: str, identifier: str) -> bool:
        token, sig = identifier[:16], identifier[16:]
        return hmac.compare_digest(sig, self._sign(f"2fa:{username}:{token}", 24))

    def sign(self, text: str, length: int = 16) -> str:
        return self._sign(text, length)

    # --- password encryption (instagrapi's #PWD_INSTAGRAM:4 envelope) -------------------
    def password_public_key(self) -> tuple[int, str]:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        with self._lock:
            if self._password_key is None:
                self._password_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = self._password_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return 41, base64.b64encode(pem).decode()

    def decrypt_password(self, enc_password: str) -> str | None:
        from cryptography.hazmat.primitives.asymmetric import padding
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        parts = enc_password.split(":", 3)
        if len(parts) != 4 or not parts[0].startswith("#PWD_"):
            return None
        _, version, timestamp, payload = parts
        if version == "0":
            return payload
        if version != "4" or self._password_key is None:
            return None
        try:
            raw = base64.b64decode(payload)
            size = int.from_bytes(raw[14:16], "little")
            iv, rsa_part = raw[2:14], raw[16 : 16 + size]
            tag, cipher = raw[16 + size : 32 + size], raw[32 + size :]
            key = self._password_key.decrypt(rsa_part, padding.PKCS1v15())
            return AESGCM(key).decrypt(iv, cipher + tag, timestamp.encode()).decode()
        except (ValueError, IndexError):
            return None
