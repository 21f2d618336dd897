"""The one place Instagram clients are built: base URLs from settings, the
login's secrets from the vault, a proxy, a timeout and the rate limiter."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from django.conf import settings

from accounts_app import proxies
from accounts_app.models import LoginCredential
from core.models import AppSettings
from scraping.instagram.base import InstagramClient, Pacer
from scraping.instagram.web import GraphQLClient, WebClient

if TYPE_CHECKING:
    from scraping.instagram.private import PrivateClient

ClientKind = Literal["web", "graphql", "private"]
# (kind, login or None, pacer, proxy) -> a ready client. The engine takes one of
# these so tests can hand it an in-memory Instagram.
Connector = Callable[[ClientKind, LoginCredential | None, Pacer, str | None], InstagramClient]


def timeout() -> float:
    return float(settings.INSTAGRAM_TIMEOUT)


def pick_proxy(login: LoginCredential | None, attempt: int = 0) -> str | None:
    """The login's own proxy (one stable proxy per login is what Instagram
    tolerates best), else one from the owner's list, rotated by login and attempt.
    Both are sealed: opened here, at use, and never kept (accounts_app/proxies.py)."""
    if login is not None and login.has_proxy:
        return proxies.login_proxy(login)
    listed = proxies.proxy_list(AppSettings.load())
    if not listed:
        return None
    return listed[((login.pk if login else 0) + attempt) % len(listed)]


def web_client(
    *,
    sessionid: str | None = None,
    pacer: Pacer | None = None,
    proxy: str | None = None,
    graphql: bool = False,
) -> InstagramClient:
    client_class = GraphQLClient if graphql else WebClient
    return client_class(
        web_url=settings.INSTAGRAM_WEB_URL,
        sessionid=sessionid,
        proxy=proxy,
        timeout=timeout(),
        pacer=pacer,
    )


def private_client(
    *,
    session: dict[str, object] | None = None,
    pacer: Pacer | None = None,
    proxy: str | None = None,
) -> PrivateClient:
    # instagrapi is slow to import; only the runs that need it pay for it.
    from scraping.instagram.private import PrivateClient

    return PrivateClient(
        settings=session,
        api_url=settings.INSTAGRAM_API_URL,
        web_url=settings.INSTAGRAM_WEB_URL,
        proxy=proxy,
        timeout=timeout(),
        pacer=pacer,
    )


def connect(
    kind: ClientKind, login: LoginCredential | None, pacer: Pacer, proxy: str | None
) -> InstagramClient:
    """A client of `kind` acting as `login` (None: anonymous web requests)."""
    from scraping.services import logins

    if kind in ("web", "graphql"):
        return web_client(
            sessionid=logins.web_sessionid(login) if login else None,
            pacer=pacer,
            proxy=proxy,
            graphql=kind == "graphql",
        )
    assert login is not None, "the private API always needs a login"
    return logins.open_private_client(login, pacer=pacer, proxy=proxy)


def close(client: object) -> None:
    closer = getattr(client, "close", None)
    if callable(closer):
        closer()
