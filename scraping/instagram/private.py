"""Private (mobile) API client on top of instagrapi.

instagrapi is used for what it does well (device identity, login, signed session
settings) and kept away from what hurts a tracker: its built-in sleeps, its urllib3
retries that turn a 429 into RetryError, its automatic challenge resolution and its
high-level list helpers that swallow errors. Lists are fetched one page per call with
private_request(), so the cap flag and the cursor are seen.

Every request of every instagrapi session goes through `_RoutingAdapter`, which calls
the pacer, applies the timeout and, when api_url/web_url are not the real hosts,
rewrites the URL to them (the simulator).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from instagrapi import Client
from instagrapi import exceptions as ig
from pydantic import ValidationError
from requests.adapters import BaseAdapter, HTTPAdapter

from scraping.instagram import endpoints as ep
from scraping.instagram.base import Pacer
from scraping.instagram.endpoints import Direction
from scraping.instagram.errors import (
    BadPassword,
    ChallengeRequired,
    FeedbackRequired,
    InstagramError,
    LoginRequired,
    NotFound,
    PrivateTarget,
    RateLimited,
    TransportError,
    TwoFactorRequired,
    UnknownUser,
    classify_error,
)
from scraping.instagram.types import (
    CommentPage,
    Media,
    MediaPage,
    Page,
    Profile,
    clips_answer,
    comments_answer,
    feed_answer,
    media_info_answer,
    parse_pk,
    replies_answer,
    user_record,
)

logger = logging.getLogger(__name__)

# Settings instagrapi re-reads from a stored settings dict on every init(): forced so a
# stored session never brings back sleeps or urllib3 retries.
_FORCED_SETTINGS: dict[str, Any] = {
    "request_timeout": 0,
    "session_retry_total": 0,
    "session_retry_statuses": [],
    "public_request_retries_count": 1,
    "public_request_retries_timeout": 0,
}


class _RoutingAdapter(BaseAdapter):
    """Paces every request, applies a timeout, and redirects hosts when configured."""

    def __init__(
        self,
        session: requests.Session,
        rewrites: Mapping[str, str],
        pacer: Pacer | None,
        timeout: float,
    ) -> None:
        super().__init__()
        self._session = session
        self._rewrites = dict(rewrites)
        self._pacer = pacer
        self._timeout = timeout
        self._ca_bundle = _environment_ca_bundle()
        self._plain = HTTPAdapter(max_retries=0)

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        parts = urlsplit(request.url or "")
        host = parts.hostname or ""
        if self._pacer is not None:
            self._pacer(ep.family_for(host, parts.path))
        timeout = self._timeout if timeout is None else timeout
        if verify is True and self._ca_bundle:
            verify = self._ca_bundle
        base = self._rewrites.get(host)
        if base is None:
            return self._inner_adapter(request.url or "").send(
                request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies
            )
        target = urlsplit(base)
        rewritten = request.copy()
        rewritten.url = urlunsplit(
            (target.scheme, target.netloc, target.path.rstrip("/") + parts.path, parts.query, "")
        )
        return self._plain.send(
            rewritten, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies
        )

    def _inner_adapter(self, url: str) -> BaseAdapter:
        # instagrapi's own transport for the scheme (it may swap it at any time).
        for prefix, adapter in self._session.adapters.items():
            if adapter is not self and url.lower().startswith(prefix.lower()):
                return adapter
        raise requests.exceptions.InvalidSchema(f"No connection adapter for {url}")

    def close(self) -> None:
        self._plain.close()


def _read_environment_once(session: requests.Session, url: str) -> None:
    """Take the environment's proxies now, then stop requests reading them again
    on every request (~0.2 ms a request here, a registry read on Windows). A proxy
    igdash was given wins over the environment's. The CA bundle variables, which
    trust_env also governed, are applied by _RoutingAdapter on each request
    (instagrapi resets `session.verify` when it logs in)."""
    environ = requests.utils.get_environ_proxies(url)  # {} when NO_PROXY names the host
    environ.pop("no", None)
    # A new dict: instagrapi shares one between its sessions.
    session.proxies = {**environ, **session.proxies}
    session.trust_env = False


def _environment_ca_bundle() -> str | None:
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or None


class PrivateClient:
    """Mobile API client. Construct from stored settings, or log in and store settings()."""

    name = "private"

    def __init__(
        self,
        *,
        settings: Mapping[str, Any] | None = None,
        api_url: str = ep.API_URL,
        web_url: str = ep.WEB_URL,
        proxy: str | None = None,
        timeout: float = 20.0,
        pacer: Pacer | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.web_url = web_url.rstrip("/")
        merged = {**dict(settings or {}), **_FORCED_SETTINGS}
        self._cl = Client(
            settings=merged,
            proxy=proxy,
            delay_range=None,
            logger=logging.getLogger("igdash.instagrapi"),
            with_challenge_flow=False,
            **_FORCED_SETTINGS,
        )
        rewrites: dict[str, str] = {}
        if self.api_url != ep.API_URL:
            rewrites[ep.API_HOST] = self.api_url
            rewrites[ep.API_HOST_BLOKS] = self.api_url
        if self.web_url != ep.WEB_URL:
            rewrites[ep.WEB_HOST] = self.web_url
        for session, url in (
            (self._cl.private, ep.API_URL),
            (self._cl.public, ep.WEB_URL),
            (self._cl.graphql, ep.WEB_URL),
        ):
            _read_environment_once(session, url)
            adapter = _RoutingAdapter(session, rewrites, pacer, timeout)
            for host in (ep.API_HOST, ep.API_HOST_BLOKS, ep.WEB_HOST):
                session.mount(f"https://{host}/", adapter)

    # --- session ---------------------------------------------------------------------
    @property
    def user_id(self) -> int | None:
        return self._cl.user_id

    @property
    def username(self) -> str | None:
        return self._cl.username

    def settings(self) -> dict[str, Any]:
        """The instagrapi session settings (JSON-serialisable); persist them encrypted."""
        return self._cl.get_settings()

    def login(self, username: str, password: str, verification_code: str | None = None) -> None:
        """Password login (legacy accounts/login flow, with instagrapi's CAA fallback).

        Raises TwoFactorRequired when a code is needed (call again with it),
        ChallengeRequired, BadPassword, RateLimited, ...
        """
        try:
            self._cl.login_legacy(username, password, verification_code=verification_code or "")
        except Exception as exc:
            raise self._translate(exc, endpoint="login") from exc

    def login_by_sessionid(self, sessionid: str) -> None:
        """Adopt a browser session id instead of a password."""
        try:
            self._cl.login_by_sessionid(sessionid)
        except AssertionError as exc:
            raise LoginRequired("That does not look like an Instagram session id.") from exc
        except Exception as exc:
            error = self._translate(exc, endpoint="login")
            # instagrapi falls back through several lookups when the session is refused;
            # whatever the last one said, the session did not work.
            if isinstance(error, NotFound | TransportError | PrivateTarget):
                error = LoginRequired("Instagram did not accept this session id.")
            raise error from exc

    def verify_session(self) -> int:
        """Check the session is still logged in; returns the logged-in user's pk."""
        data = self._request(ep.MOBILE_CURRENT_USER.removeprefix(ep.API_PREFIX) + "?edit=true")
        return parse_pk((data.get("user") or {}).get("pk"))

    # --- InstagramClient ---------------------------------------------------------------
    def get_profile(self, username: str) -> Profile:
        username = username.strip().lstrip("@").lower()
        data = self._request(ep.PRIVATE_USERNAME_INFO.format(username=username), kind="profile")
        return _profile(data, username)

    def get_profile_by_pk(self, pk: int) -> Profile:
        """The profile of the account with this pk, whatever its name is now."""
        data = self._request(ep.PRIVATE_USER_INFO.format(pk=int(pk)), kind="profile")
        profile = _profile(data, "")
        if not profile.username or profile.pk != int(pk):
            raise NotFound(status=200)
        return profile

    def list_page(self, user_pk: int, direction: Direction, cursor: str | None) -> Page:
        params: dict[str, Any] = {
            "count": ep.PRIVATE_PAGE_SIZE,
            "rank_token": self._cl.rank_token,
            "search_surface": ep.SEARCH_SURFACE,
            "query": "",
            "enable_groups": "true",
        }
        if cursor:
            params["max_id"] = cursor
        data = self._request(
            ep.PRIVATE_FRIENDSHIPS.format(pk=int(user_pk), direction=direction), params=params
        )
        next_cursor = data.get("next_max_id")
        return Page(
            users=[user_record(item) for item in data.get("users") or []],
            next_cursor=str(next_cursor) if next_cursor not in (None, "") else None,
            capped=bool(data.get("should_limit_list_of_followers")),
        )

    # --- ContentClient (docs/instagram-wire.md section 8) --------------------------------
    def feed_page(self, user_pk: int, cursor: str | None) -> MediaPage:
        """One page of the account's feed (reels not shared to the feed are missing)."""
        params: dict[str, Any] = {
            "count": ep.CONTENT_PAGE_SIZE,
            "rank_token": self._cl.rank_token,
            "ranked_content": "true",
        }
        if cursor:
            params["max_id"] = cursor
        data = self._request(ep.PRIVATE_FEED_USER.format(pk=int(user_pk)), params=params)
        return feed_answer(data)

    def clips_page(self, user_pk: int, cursor: str | None) -> MediaPage:
        """One page of the account's reels tab (items may repeat across pages)."""
        form = ep.clips_form(user_pk, cursor)
        return clips_answer(self._request(ep.PRIVATE_CLIPS_USER, data=form))

    def media_info(self, pk: int) -> Media:
        """One post with its full counts (play counts included for a logged-in session)."""
        data = self._request(ep.PRIVATE_MEDIA_INFO.format(pk=int(pk)), kind="profile")
        return media_info_answer(data)

    # --- CommentClient (docs/instagram-wire.md section 9) --------------------------------
    fetches_replies = True
    pages_newer = True

    def comments_page(
        self, media_pk: int, *, max_id: str | None = None, min_id: str | None = None
    ) -> CommentPage:
        """One page of a post's top-level comments: the newest without a cursor,
        older ones with max_id, newer ones with min_id."""
        params: dict[str, Any] = {
            "can_support_threading": "true",
            "permalink_enabled": "false",
            "count": ep.COMMENTS_PAGE_SIZE,
        }
        if max_id:
            params["max_id"] = max_id
        if min_id:
            params["min_id"] = min_id
        data = self._request(ep.PRIVATE_MEDIA_COMMENTS.format(pk=int(media_pk)), params=params)
        return comments_answer(data)

    def replies_page(self, media_pk: int, comment_pk: int, cursor: str | None) -> CommentPage:
        """One page of the replies to one comment, oldest first."""
        params: dict[str, Any] = {}
        if cursor:
            params["max_id"] = cursor
        path = ep.PRIVATE_COMMENT_REPLIES.format(pk=int(media_pk), comment_pk=int(comment_pk))
        return replies_answer(self._request(path, params=params), int(comment_pk))

    # --- plumbing -----------------------------------------------------------------------
    def _request(
        self,
        endpoint: str,
        *,
        params: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        kind: str = "list",
    ) -> dict[str, Any]:
        try:
            answer = self._cl.private_request(endpoint, data=data, params=params)
        except Exception as exc:
            raise self._translate(exc, endpoint=kind) from exc
        if not isinstance(answer, dict):
            raise TransportError("Instagram answered JSON that is not an object")
        return answer

    def _translate(self, exc: Exception, *, endpoint: str) -> InstagramError:
        if isinstance(exc, InstagramError):
            return exc
        # Login failures are read from the exception: after a bad password instagrapi
        # tries its CAA login, so the last answer at hand is that attempt's.
        if isinstance(exc, ig.ProxyAddressIsBlocked):
            # instagrapi's name for Instagram's `invalid_user` answer ("The username you
            # entered doesn't appear to belong to an account"), which Instagram also gives
            # some blocked networks.
            return UnknownUser()
        if isinstance(exc, ig.BadPassword | ig.BadCredentials):
            return BadPassword()
        if isinstance(exc, ig.TwoFactorRequired):
            info = getattr(exc, "two_factor_info", None) or self._cl.last_json.get(
                "two_factor_info"
            )
            return TwoFactorRequired(
                two_factor_identifier=(info or {}).get("two_factor_identifier")
            )
        response = getattr(exc, "response", None)
        if not isinstance(response, requests.Response) and isinstance(exc, ig.ClientError):
            # instagrapi raises most typed errors with the body but without the response.
            response = self._cl.last_response
        if isinstance(response, requests.Response) and (
            response.status_code >= 400 or self._cl.last_json.get("status") == "fail"
        ):
            return classify_error(
                response.status_code,
                response.text,
                retry_after=response.headers.get("Retry-After"),
                endpoint=endpoint,
            )
        return _translate_by_class(exc)


def _profile(data: dict[str, Any], username: str) -> Profile:
    """A Profile from a usernameinfo or user info answer."""
    user = data.get("user")
    if not isinstance(user, dict):
        raise NotFound(status=200)
    hd = user.get("hd_profile_pic_url_info") or {}
    return Profile(
        pk=parse_pk(user.get("pk", user.get("pk_id"))),
        username=str(user.get("username") or username),
        full_name=str(user.get("full_name") or ""),
        profile_pic_url=str(hd.get("url") or user.get("profile_pic_url") or ""),
        is_verified=bool(user.get("is_verified")),
        is_private=bool(user.get("is_private")),
        follower_count=int(user.get("follower_count") or 0),
        following_count=int(user.get("following_count") or 0),
    )


def _instagram_message(exc: Exception) -> str | None:
    text = str(getattr(exc, "instagram_message", "") or getattr(exc, "message", "") or "")
    return text[:300] or None


def _translate_by_class(exc: Exception) -> InstagramError:
    """Fallback when no HTTP answer is at hand (network errors, client-side checks)."""
    message = _instagram_message(exc) or str(exc)[:300]
    if isinstance(exc, ig.ChallengeError):
        challenge = getattr(exc, "challenge", None) or {}
        return ChallengeRequired(url=challenge.get("url"), api_path=challenge.get("api_path"))
    if isinstance(exc, ig.FeedbackRequired):
        return FeedbackRequired(message)
    if isinstance(exc, ig.PleaseWaitFewMinutes | ig.RateLimitError | ig.ClientThrottledError):
        return RateLimited()
    if isinstance(exc, ig.LoginRequired | ig.ClientLoginRequired | ig.ReloginAttemptExceeded):
        return LoginRequired()
    if isinstance(exc, ig.PrivateAccount):
        return PrivateTarget()
    if isinstance(exc, ig.UserNotFound):
        return NotFound()
    if isinstance(exc, ig.ClientError | requests.RequestException | ValidationError):
        return TransportError(f"Instagram private API failed: {message}")
    # Anything else came from instagrapi choking on an answer it did not expect.
    logger.warning("instagrapi raised %s", type(exc).__name__, exc_info=exc)
    return TransportError(
        f"Instagram sent an answer instagrapi could not read ({type(exc).__name__})"
    )
