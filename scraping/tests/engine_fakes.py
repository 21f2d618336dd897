"""An in-memory Instagram for the engine's database-side tests: a real object
implementing the client interface (get_profile, list_page) over lists held in
memory, with scripted failures. End-to-end tests use the HTTP simulator instead."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.test import override_settings
from pytest_django.fixtures import Settings as SettingsWrapper

from accounts_app import vault
from accounts_app.models import LoginCredential
from scraping.instagram.base import Pacer
from scraping.instagram.errors import NotFound, PrivateTarget
from scraping.instagram.types import Page, Profile, UserRecord
from scraping.services import logins


def make_users(count: int, start: int = 1000) -> list[UserRecord]:
    return [
        UserRecord(
            pk=pk,
            username=f"user{pk}",
            full_name=f"User {pk}",
            profile_pic_url=f"https://cdn.example/{pk}.jpg",
            is_verified=pk % 7 == 0,
            is_private=pk % 5 == 0,
        )
        for pk in range(start, start + count)
    ]


@dataclass
class Account:
    profile: Profile
    followers: list[UserRecord] = field(default_factory=list)
    following: list[UserRecord] = field(default_factory=list)
    capped: bool = False
    followed_by_logins: set[int] = field(default_factory=set)  # login ids (private targets)


class FakeInstagram:
    def __init__(self, page_size: int = 10, overlap: int = 0) -> None:
        self.accounts: dict[str, Account] = {}
        self.page_size = page_size
        self.overlap = overlap
        self.list_calls = 0
        self.requests: list[tuple[str, int | None, str]] = []  # (kind, login id, what)
        # Raised instead of answering the list call with that number (1-based).
        self.errors: dict[int, Exception] = {}

    def add(
        self,
        username: str,
        pk: int,
        followers: list[UserRecord],
        following: list[UserRecord] | None = None,
        *,
        is_private: bool = False,
        follower_count: int | None = None,
    ) -> Account:
        following = following or []
        profile = Profile(
            pk=pk,
            username=username,
            full_name=username.title(),
            profile_pic_url=f"https://cdn.example/{pk}.jpg",
            is_verified=False,
            is_private=is_private,
            follower_count=len(followers) if follower_count is None else follower_count,
            following_count=len(following),
        )
        account = Account(profile, list(followers), list(following))
        self.accounts[username] = account
        return account

    def set_lists(
        self, username: str, followers: list[UserRecord], following: list[UserRecord] | None = None
    ) -> None:
        account = self.accounts[username]
        account.followers = list(followers)
        account.following = list(following if following is not None else account.following)
        account.profile = Profile(
            **{
                **account.profile.__dict__,
                "follower_count": len(account.followers),
                "following_count": len(account.following),
            }
        )

    def connect(
        self, kind: str, login: LoginCredential | None, pacer: Pacer, proxy: str | None
    ) -> FakeClient:
        return FakeClient(self, kind, login.pk if login else None, pacer)


class FakeClient:
    def __init__(self, world: FakeInstagram, kind: str, login_id: int | None, pacer: Pacer) -> None:
        self.world = world
        self.name = kind
        self.login_id = login_id
        self.pacer = pacer

    def get_profile(self, username: str) -> Profile:
        self.pacer("web_api" if self.name == "web" else "mobile_api")
        self.world.requests.append((self.name, self.login_id, f"profile {username}"))
        if username not in self.world.accounts:
            raise NotFound()
        return self.world.accounts[username].profile

    def list_page(self, user_pk: int, direction: str, cursor: str | None) -> Page:
        self.pacer("web_api" if self.name == "web" else "mobile_api")
        self.world.list_calls += 1
        self.world.requests.append((self.name, self.login_id, f"{direction} {cursor}"))
        error = self.world.errors.pop(self.world.list_calls, None)
        if error is not None:
            raise error
        account = next(a for a in self.world.accounts.values() if a.profile.pk == user_pk)
        if account.profile.is_private and self.login_id not in account.followed_by_logins:
            raise PrivateTarget()
        users = account.followers if direction == "followers" else account.following
        if account.capped and direction == "followers":
            return Page(users=users[:5], next_cursor=None, capped=True)
        start = int(cursor or 0)
        begin = max(start - self.world.overlap, 0) if start else 0
        end = start + self.world.page_size
        next_cursor = str(end) if end < len(users) else None
        return Page(users=users[begin:end], next_cursor=next_cursor)

    def close(self) -> None:
        pass


@pytest.fixture
def isolated_vault(tmp_path: Path) -> Iterator[Path]:
    with override_settings(DATA_DIR=tmp_path, KEY_STORE="file"):
        vault.forget_key()
        yield tmp_path
        vault.forget_key()


@pytest.fixture
def fast_limits(settings: SettingsWrapper) -> None:
    """No pauses and windows wide enough to never close, unless a test narrows them."""
    settings.PACING = False
    settings.RATE_INLINE_WAIT = 0.0
    for family in ("WEB_API", "GRAPHQL", "MOBILE_API"):
        setattr(settings, f"RATE_{family}_LIMIT", 0)


@pytest.fixture
def web_login(isolated_vault: Path) -> LoginCredential:
    return logins.store_login("owner_ig", sessionid="12345%3Aabcdef%3A1")
