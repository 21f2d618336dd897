"""The simulator's WSGI app: Instagram's wire format, plus the control API.

Instagram-shaped routes answer exactly the shapes of docs/instagram-wire.md;
/__sim__/ routes (control.py) steer the simulation: day, scenarios, truth, stats.
Nothing here talks to the internet. See docs/simulator.md.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote_plus

from scraping.instagram import endpoints as ep
from scraping.instagram.endpoints import Direction
from scraping.simulator import comments, control
from scraping.simulator.content import SimPost, legacy_node, media_item
from scraping.simulator.scenarios import TargetState, validate_scenarios
from scraping.simulator.world import CAPPED_SIZE, CAST, DAY_SECONDS, EPOCH, SimUser, World
from scraping.simulator.wsgi import (
    Headers,
    Request,
    Response,
    avatar_png,
    json_response,
    request_from_environ,
    text_response,
)

StartResponse = Callable[[str, Headers], Any]
Handler = Callable[[Request, re.Match[str]], Response]

REQUEST_LOG_SIZE = 200_000  # requests kept for GET /__sim__/stats/log
CLIPS_REPEAT = 2  # items of a reels page repeated at the top of the next one
PLEASE_WAIT = {"message": "Please wait a few minutes before you try again.", "status": "fail"}
LOGIN_REQUIRED = {
    "message": "login_required",
    "error_title": "You've Been Logged Out",
    "logout_reason": 8,
    "status": "fail",
}
USERAGENT_MISMATCH = {"message": "useragent mismatch", "status": "fail"}
NOT_AUTHORIZED = {"message": "Not authorized to view user", "status": "fail"}
UNABLE_TO_FETCH = {"message": "unable to fetch followers", "status": "fail"}
FEEDBACK_REQUIRED = {
    "message": "feedback_required",
    "spam": True,
    "feedback_title": "Try Again Later",
    "feedback_message": "We limit how often you can do certain things on Instagram to protect "
    "our community. Tell us if you think we made a mistake.",
    "feedback_url": "repute/report_problem/scraping/",
    "status": "fail",
}


class SimulatorApp:
    """A WSGI callable. One instance holds the whole simulation state."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._lock = threading.RLock()
        self._targets: dict[int, TargetState] = {}
        self._cast_defaults = {
            index: validate_scenarios(dict(member.scenarios))
            for member in CAST
            if (index := world.cast_index(member.username)) is not None
        }
        self._stats_endpoints: Counter[str] = Counter()
        self._stats_targets: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self._stats_status: Counter[str] = Counter()
        # Who asked: requests per logged-in user (the session's owner; "anonymous"
        # without one), and each request's arrival (time, viewer, endpoint) for
        # benchmarks that check a login's requests per rate-limit window.
        self._stats_viewers: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self._request_log: deque[tuple[float, str, str]] = deque(maxlen=REQUEST_LOG_SIZE)
        self.delay_ms = 0
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        route = self.route
        route("GET", ep.WEB_PROFILE_INFO, self.web_profile_info)
        route(
            "GET",
            ep.FRIENDSHIPS.format(pk=r"(?P<pk>\d+)", direction="(?P<dir>followers|following)"),
            self.friendships,
        )
        route("GET", ep.GRAPHQL_QUERY, self.graphql_query)
        route("POST", ep.GRAPHQL_DOC_QUERY + "/?", self.graphql_doc_query)
        route("GET", ep.FEED_USER.format(pk=r"(?P<pk>\d+)"), self.feed_user)
        route("POST", ep.CLIPS_USER, self.clips_user)
        route("GET", ep.MEDIA_INFO.format(pk=r"(?P<pk>\d+)"), self.media_info)
        route(
            "GET",
            ep.MOBILE_USERNAME_INFO.format(username=r"(?P<username>[^/]+)"),
            self.username_info,
        )
        route("GET", ep.MOBILE_USER_INFO.format(pk=r"(?P<pk>\d+)"), self.user_info)
        route("GET", ep.MOBILE_CURRENT_USER, self.current_user)
        route("GET|POST", ep.MOBILE_QE_SYNC, self.qe_sync)
        route("POST", ep.MOBILE_LAUNCHER_SYNC, self.launcher_sync)
        route("POST", ep.MOBILE_LOGIN, self.login)
        route("POST", ep.MOBILE_TWO_FACTOR_LOGIN, self.two_factor_login)
        route("POST", ep.MOBILE_LOGOUT, self.logout)
        route("POST", ep.MOBILE_REELS_TRAY, self.reels_tray)
        route("POST", ep.MOBILE_TIMELINE, self.timeline)
        route("GET", ep.CHALLENGE_PREFIX + r".*", self.challenge_page)
        route("GET", r"/sim-cdn/.*", self.cdn)
        control.register(self)
        self.comments: comments.CommentBook
        comments.register(self)

    def route(self, methods: str, pattern: str, handler: Handler) -> None:
        self._routes.append((methods, re.compile(pattern + "$"), handler))

    def __call__(
        self, environ: Mapping[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        request = request_from_environ(environ)
        response = self.handle(request)
        reason = HTTPStatus(response.status).phrase
        headers = [
            ("Content-Type", response.content_type),
            ("Content-Length", str(len(response.body))),
            *response.headers,
        ]
        start_response(f"{response.status} {reason}", headers)
        return [response.body]

    def handle(self, request: Request) -> Response:
        if request.path.startswith("/__sim__"):
            return self._dispatch(request)
        arrived = time.time()
        viewer = self.viewer(request, mobile=True)  # before a logout revokes the session
        name = self.world.user(viewer).username if viewer is not None else "anonymous"
        response = self._dispatch(request)
        with self._lock:
            self._stats_endpoints[request.endpoint] += 1
            self._stats_status[str(response.status)] += 1
            if request.target:
                self._stats_targets[request.target][request.endpoint] += 1
            self._stats_viewers[name][request.endpoint] += 1
            self._request_log.append((arrived, name, request.endpoint))
        return response

    def _dispatch(self, request: Request) -> Response:
        allowed = False
        for methods, pattern, handler in self._routes:
            match = pattern.match(request.path)
            if match is None:
                continue
            allowed = True
            if request.method in methods.split("|"):
                if not request.path.startswith(("/__sim__", "/sim-cdn")) and self.delay_ms:
                    time.sleep(self.delay_ms / 1000)
                return handler(request, match)
        if allowed:
            return json_response(405, {"message": "Method not allowed", "status": "fail"})
        # JSON, not the bare "Not Found" that clients read as a masked challenge.
        return json_response(404, {"message": "Page not found", "status": "fail"})

    # --- state helpers ---------------------------------------------------------------
    def target_state(self, index: int) -> TargetState:
        with self._lock:
            state = self._targets.get(index)
            if state is None:
                defaults = dict(self._cast_defaults.get(index, {}))
                state = self._targets[index] = TargetState(defaults)
            return state

    def scenarios(self, index: int) -> dict[str, Any]:
        state = self._targets.get(index)
        if state is not None:
            return state.scenarios
        return self._cast_defaults.get(index, {})

    def is_private(self, index: int) -> bool:
        scenarios = self.scenarios(index)
        if "private" in scenarios:
            return bool(scenarios["private"])
        return self.world.facts(index).is_private

    def viewer(self, request: Request, *, mobile: bool) -> int | None:
        """The logged-in user of this request, or None."""
        if mobile:
            auth = request.headers.get("authorization", "")
            if auth.startswith("Bearer IGT:2:"):
                try:
                    data = json.loads(base64.b64decode(auth.removeprefix("Bearer IGT:2:")))
                except (ValueError, binascii.Error):
                    return None
                owner = self.world.session_owner(str(data.get("sessionid") or ""))
                if owner is not None and str(self.world.pk_of(owner)) == str(
                    data.get("ds_user_id")
                ):
                    return owner
                return None
        return self.world.session_owner(request.cookies.get("sessionid"))

    # --- JSON shapes -----------------------------------------------------------------
    def _pk_value(self, user: SimUser, pk_format: str) -> int | str:
        if pk_format == "string" or (pk_format == "mixed" and user.index % 2 == 0):
            return str(user.pk)
        return user.pk

    def list_user(self, user: SimUser, pk_format: str) -> dict[str, Any]:
        data: dict[str, Any] = {
            "pk": self._pk_value(user, pk_format),
            "pk_id": str(user.pk),
            "id": str(user.pk),
            "username": user.username,
            "full_name": user.full_name,
            "is_private": self.is_private(user.index),
            "fbid_v2": str(17841400000000000 + user.index),
            "third_party_downloads_enabled": 0,
            "strong_id__": str(user.pk),
            "is_verified": user.is_verified,
            "profile_pic_url": user.profile_pic_url,
            "has_anonymous_profile_picture": user.profile_pic_id is None,
            "account_badges": [],
            "latest_reel_media": 0,
            "is_favorite": False,
        }
        if user.profile_pic_id:
            data["profile_pic_id"] = user.profile_pic_id
        return data

    def full_user(self, index: int) -> dict[str, Any]:
        user = self.world.user(index)
        facts = self.world.facts(index)
        return {
            "pk": user.pk,
            "pk_id": str(user.pk),
            "id": str(user.pk),
            "username": user.username,
            "full_name": user.full_name,
            "is_private": self.is_private(index),
            "is_verified": user.is_verified,
            "profile_pic_url": user.profile_pic_url,
            "profile_pic_id": user.profile_pic_id,
            "has_anonymous_profile_picture": user.profile_pic_id is None,
            "hd_profile_pic_url_info": {
                "url": user.profile_pic_url_hd,
                "width": 320,
                "height": 320,
            },
            "hd_profile_pic_versions": [
                {"width": 320, "height": 320, "url": user.profile_pic_url_hd}
            ],
            "media_count": self.world.media_count(index),
            "follower_count": self.world.follower_count(index),
            "following_count": self.world.following_count(index),
            "biography": facts.biography,
            "external_url": "",
            "is_business": False,
            "account_type": 1,
            "category": None,
            "account_badges": [],
            "status": None,
        }

    # --- the gate every list request passes ------------------------------------------
    def list_gate(self, index: int) -> Response | None:
        """Apply the target's scenarios; a Response means the list is refused."""
        state = self.target_state(index)
        scenarios = state.scenarios
        if scenarios.get("delay_ms"):
            time.sleep(scenarios["delay_ms"] / 1000)
        with self._lock:
            state.list_requests += 1
            request_number = state.list_requests
            pages_served = state.pages_served
        limit = scenarios.get("rate_limit")
        if limit is not None:
            first, last = limit["after"] + 1, None
            if limit["for"] is not None:
                last = limit["after"] + limit["for"]
            if request_number >= first and (last is None or request_number <= last):
                return self._rate_limited(limit)
        if "logout_after_pages" in scenarios and pages_served >= scenarios["logout_after_pages"]:
            return json_response(403, LOGIN_REQUIRED)
        failing = scenarios.get("server_error_after_pages")
        if scenarios.get("server_error") or (failing is not None and pages_served >= failing):
            return text_response(
                500, "<html><body>Something went wrong.</body></html>", "text/html"
            )
        challenge = scenarios.get("challenge")
        if challenge == "masked_404":
            return text_response(404, "Not Found", "text/html")
        if challenge:
            return json_response(400, self._challenge_body(index, challenge))
        if scenarios.get("checkpoint"):
            return json_response(400, self._checkpoint_body(index))
        if scenarios.get("feedback"):
            return json_response(400, FEEDBACK_REQUIRED)
        if scenarios.get("gone"):
            return json_response(400, UNABLE_TO_FETCH)
        return None

    def _rate_limited(self, limit: Mapping[str, Any]) -> Response:
        headers: Headers = []
        if limit["retry_after"] is not None:
            headers.append(("Retry-After", f"{limit['retry_after']:g}"))
        status = int(limit["status"])
        if limit["body"] == "empty":
            return Response(status, b"", headers=headers)
        body: dict[str, object] = dict(PLEASE_WAIT)
        if limit["body"] == "require_login":
            body["require_login"] = True
        return json_response(status, body, headers=headers)

    def _challenge_body(self, index: int, style: str) -> dict[str, Any]:
        pk = self.world.pk_of(index)
        token = self.world.sign(f"challenge:{pk}", 10)
        api_path = f"/challenge/{pk}/{token}/"
        if style == "auth_platform":
            api_path = f"/auth_platform/?apc={token}"
        return {
            "message": "challenge_required",
            "challenge": {
                "url": f"{self.world.public_url}{api_path}",
                "api_path": api_path,
                "hide_webview_header": True,
                "lock": True,
                "logout": False,
                "native_flow": True,
                "flow_render_type": 0,
            },
            "status": "fail",
            "error_type": "checkpoint_challenge_required",
        }

    def _checkpoint_body(self, index: int) -> dict[str, Any]:
        pk = self.world.pk_of(index)
        return {
            "message": "checkpoint_required",
            "checkpoint_url": f"/challenge/{pk}/{self.world.sign(f'checkpoint:{pk}', 10)}/",
            "lock": False,
            "status": "fail",
        }

    def _can_view(self, index: int, viewer: int) -> bool:
        if viewer == index or not self.is_private(index):
            return True
        return viewer in self.world.list_state(index, "followers").member_set

    def _encode_cursor(self, index: int, direction: str, offset: int, style: str) -> str:
        if style == "numeric":
            return str(offset)
        token = f"{offset}:{self.world.sign(f'cursor:{index}:{direction}:{offset}', 8)}"
        return "QVFE" + base64.urlsafe_b64encode(token.encode()).decode().rstrip("=")

    def _decode_cursor(self, index: int, direction: str, cursor: str | None) -> int | None:
        if not cursor:
            return 0
        if cursor.isdigit():
            return int(cursor)
        if cursor.startswith("QVFE"):
            raw = cursor[4:]
            try:
                text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
                offset_text, sig = text.split(":")
                offset = int(offset_text)
            except (ValueError, binascii.Error):
                return None
            if sig == self.world.sign(f"cursor:{index}:{direction}:{offset}", 8):
                return offset
        return None

    def _cursor_style(self, index: int) -> str:
        style = self.scenarios(index).get("cursor")
        if style:
            return str(style)
        return "numeric" if self.world.pk_of(index) % 2 else "opaque"

    # --- Instagram: web ----------------------------------------------------------------
    def web_profile_info(self, request: Request, match: re.Match[str]) -> Response:
        request.endpoint = "web_profile_info"
        if request.app_id != ep.WEB_APP_ID:
            return json_response(400, USERAGENT_MISMATCH)
        index = self.world.index_of_username(request.query.get("username", ""))
        if index is None:
            return text_response(404, "", "text/html")
        request.target = self.world.user(index).username
        scenarios = self.scenarios(index)
        if scenarios.get("gone") == "404":
            return text_response(404, "", "text/html")
        if scenarios.get("gone") == "null_user":
            return json_response(200, {"data": {"user": None}, "status": "ok"})
        user = self.world.user(index)
        facts = self.world.facts(index)
        data = {
            "id": str(user.pk),
            "username": user.username,
            "full_name": user.full_name,
            "biography": facts.biography,
            "external_url": None,
            "is_private": self.is_private(index),
            "is_verified": user.is_verified,
            "is_business_account": False,
            "category_name": None,
            "profile_pic_url": user.profile_pic_url,
            "profile_pic_url_hd": user.profile_pic_url_hd,
            "edge_followed_by": {"count": self.world.follower_count(index)},
            "edge_follow": {"count": self.world.following_count(index)},
            "edge_owner_to_timeline_media": self._timeline_media(index),
        }
        return json_response(
            200, {"data": {"user": data}, "status": "ok"}, raw_utf8=bool(scenarios.get("utf8_raw"))
        )

    def _timeline_media(self, index: int) -> dict[str, Any]:
        """The newest 12 posts in the legacy GraphQL names (none for a private account)."""
        posts = self.world.content.visible(index, self.world.day)
        shown = [] if self.is_private(index) else posts[:12]
        return {
            "count": len(posts),
            "page_info": {"has_next_page": len(posts) > len(shown), "end_cursor": None},
            "edges": [{"node": legacy_node(self.world, post, self.world.day)} for post in shown],
        }

    def friendships(self, request: Request, match: re.Match[str]) -> Response:
        direction: Direction = "followers" if match["dir"] == "followers" else "following"
        variant = _friendships_variant(request)
        if variant is None:
            request.endpoint = "friendships"
            return json_response(400, USERAGENT_MISMATCH)
        request.endpoint = f"{variant}_{direction}"
        viewer = self.viewer(request, mobile=variant == "mobile")
        if viewer is None:
            if variant == "web":
                return json_response(401, {**PLEASE_WAIT, "require_login": True})
            return json_response(403, LOGIN_REQUIRED)
        index = self.world.index_of_pk(int(match["pk"]))
        if index is None:
            return json_response(400, UNABLE_TO_FETCH)
        request.target = self.world.user(index).username
        refused = self.list_gate(index)
        if refused is not None:
            return refused
        if not self._can_view(index, viewer):
            return json_response(400, NOT_AUTHORIZED)
        scenarios = self.scenarios(index)
        offset = self._decode_cursor(index, direction, request.query.get("max_id"))
        if offset is None:
            return json_response(400, {"message": "Invalid max_id", "status": "fail"})
        size = _friendships_page_size(request, variant)
        page, next_offset = self._friendships_page(index, direction, offset, size, scenarios)
        with self._lock:
            self.target_state(index).pages_served += 1
        body = self._friendships_body(index, direction, page, next_offset, size, scenarios)
        return json_response(200, body, raw_utf8=bool(scenarios.get("utf8_raw")))

    def _friendships_page(
        self,
        index: int,
        direction: Direction,
        offset: int,
        size: int,
        scenarios: Mapping[str, Any],
    ) -> tuple[tuple[int, ...], int | None]:
        """The members on the page from `offset`, and the offset of the next page
        (None on the last one, and on a capped list, which ends after one page)."""
        members = self.world.members(index, direction)
        if _capped(direction, scenarios):
            return members[:CAPPED_SIZE], None
        page = members[offset : offset + size]
        end = offset + len(page)
        if end >= len(members):
            return page, None
        overlap = min(int(scenarios.get("overlap", 0)), max(len(page) - 1, 0))
        return page, end - overlap

    def _friendships_body(
        self,
        index: int,
        direction: Direction,
        page: tuple[int, ...],
        next_offset: int | None,
        size: int,
        scenarios: Mapping[str, Any],
    ) -> dict[str, Any]:
        pk_format = str(scenarios.get("pk_format", "int"))
        style = self._cursor_style(index)
        body: dict[str, Any] = {
            "users": [self.list_user(self.world.user(i), pk_format) for i in page],
            "big_list": next_offset is not None,
            "page_size": size,
        }
        if next_offset is not None:
            body["next_max_id"] = self._encode_cursor(index, direction, next_offset, style)
        elif style == "opaque":
            body["next_max_id"] = None
        body.update(
            {
                "has_more": False,
                "should_limit_list_of_followers": _capped(direction, scenarios),
                "use_clickable_see_more": False,
                "show_spam_follow_request_tab": False,
                "status": "ok",
            }
        )
        return body

    def _other_graphql_query(self, request: Request) -> Response | None:
        """The legacy queries that list posts, comments and replies (the rest
        of graphql_query lists followers)."""
        query_hash = request.query.get("query_hash")
        if query_hash == ep.TIMELINE_QUERY_HASH:
            return self.graphql_timeline(request)
        if query_hash == ep.COMMENTS_QUERY_HASH:
            return comments.graphql_comments(self, request)
        if query_hash == ep.THREADED_COMMENTS_QUERY_HASH:
            return comments.graphql_replies(self, request)
        return None

    def graphql_query(self, request: Request, match: re.Match[str]) -> Response:
        request.endpoint = "graphql_query"
        if request.app_id != ep.WEB_APP_ID:
            return json_response(400, USERAGENT_MISMATCH)
        other = self._other_graphql_query(request)
        if other is not None:
            return other
        directions = {h: d for d, h in ep.QUERY_HASHES.items()}
        direction = directions.get(request.query.get("query_hash", ""))
        if direction is None:
            return json_response(400, {"message": "Invalid query_hash", "status": "fail"})
        request.endpoint = f"graphql_{direction}"
        viewer = self.viewer(request, mobile=False)
        if viewer is None:
            return json_response(401, {**PLEASE_WAIT, "require_login": True})
        try:
            variables = json.loads(request.query.get("variables", "{}"))
            index = self.world.index_of_pk(int(variables["id"]))
            first = int(variables.get("first", ep.GRAPHQL_PAGE_SIZE_MIN))
        except (ValueError, KeyError, TypeError):
            return json_response(400, {"message": "Invalid variables", "status": "fail"})
        if index is None:
            return json_response(200, {"data": {"user": None}, "status": "ok"})
        request.target = self.world.user(index).username
        refused = self.list_gate(index)
        if refused is not None:
            return refused
        scenarios = self.scenarios(index)
        members = self.world.members(index, direction)
        offset = self._decode_cursor(index, direction, variables.get("after"))
        if offset is None:
            return json_response(400, {"message": "Invalid cursor", "status": "fail"})
        size = max(1, min(first, ep.GRAPHQL_PAGE_SIZE))
        empty = bool(scenarios.get("graphql_empty_edges")) or not self._can_view(index, viewer)
        page = () if empty else members[offset : offset + size]
        end = offset + len(page)
        has_next = bool(page) and end < len(members)
        if has_next:
            overlap = min(int(scenarios.get("overlap", 0)), len(page) - 1)
            end_cursor: str | None = self._encode_cursor(index, direction, end - overlap, "opaque")
        else:
            end_cursor = None
        with self._lock:
            self.target_state(index).pages_served += 1
        viewer_following = self.world.list_state(viewer, "following").member_set
        viewer_followers = self.world.list_state(viewer, "followers").member_set
        edges = []
        for i in page:
            user = self.world.user(i)
            node = {
                "id": str(user.pk),
                "username": user.username,
                "full_name": user.full_name,
                "profile_pic_url": user.profile_pic_url,
                "is_private": self.is_private(i),
                "is_verified": user.is_verified,
                "followed_by_viewer": i in viewer_following,
                "follows_viewer": i in viewer_followers,
                "requested_by_viewer": False,
            }
            edges.append({"node": node})
        edge_name = ep.GRAPHQL_EDGES[direction]
        body = {
            "data": {
                "user": {
                    edge_name: {
                        "count": len(members),
                        "page_info": {"has_next_page": has_next, "end_cursor": end_cursor},
                        "edges": edges,
                    }
                }
            },
            "status": "ok",
        }
        return json_response(200, body, raw_utf8=bool(scenarios.get("utf8_raw")))

    def graphql_timeline(self, request: Request) -> Response:
        """GET /graphql/query/?query_hash=<TIMELINE_QUERY_HASH>: the profile's grid in
        the legacy shape (edge_owner_to_timeline_media, legacy nodes: is_video,
        taken_at_timestamp, edge_liked_by/edge_media_preview_like, video_view_count,
        edge_media_to_caption), with opaque cursors. Logged-in only, like the lists."""
        request.endpoint = "graphql_timeline"
        viewer = self.viewer(request, mobile=False)
        if viewer is None:
            return json_response(401, {**PLEASE_WAIT, "require_login": True})
        try:
            variables = json.loads(request.query.get("variables", "{}"))
            index = self.world.index_of_pk(int(variables["id"]))
            size = self._size(variables.get("first"), 50)
        except (ValueError, KeyError, TypeError):
            return json_response(400, {"message": "Invalid variables", "status": "fail"})
        if index is None:
            return json_response(200, {"data": {"user": None}, "status": "ok"})
        refused = self._content_gate(request, index, viewer)
        if refused is not None:
            return refused
        cursor = variables.get("after") or None
        after = self._media_cursor("timeline", index, str(cursor) if cursor else None)
        if after is False:
            return json_response(400, {"message": "Invalid cursor", "status": "fail"})
        day = self.world.day
        posts = [post for post in self.world.content.visible(index, day) if post.in_feed]
        start = self._older_than(posts, after)
        page = posts[start : start + size]
        if self.scenarios(index).get("graphql_empty_edges"):
            page = []  # the known failure: a count, no edges
        more = start + len(page) < len(posts)
        self._page_served(index)
        end_cursor = (
            self._encode_media_cursor("timeline", index, page[-1].pk) if page and more else None
        )
        if cursor and self.scenarios(index).get("content_cursor_loop"):
            more, end_cursor = True, str(cursor)
        timeline = {
            "count": len(posts),
            "page_info": {"has_next_page": more, "end_cursor": end_cursor},
            "edges": [{"node": legacy_node(self.world, post, day)} for post in page],
        }
        body = {"data": {"user": {ep.TIMELINE_EDGE: timeline}}, "status": "ok"}
        return json_response(200, body)

    # --- Instagram: posts and reels ----------------------------------------------------
    def _variant(self, request: Request) -> str | None:
        """ "web" (browser agent + web app id), "mobile" (app agent + Android app id) or None."""
        if request.app_id == ep.WEB_APP_ID and request.user_agent.startswith("Mozilla/"):
            return "web"
        if request.app_id == ep.ANDROID_APP_ID and request.user_agent.startswith("Instagram "):
            return "mobile"
        return None

    def _needs_login(self, variant: str) -> Response:
        if variant == "web":
            return json_response(401, {**PLEASE_WAIT, "require_login": True})
        return json_response(403, LOGIN_REQUIRED)

    def _content_gate(self, request: Request, index: int, viewer: int | None) -> Response | None:
        """The target's scenarios (429s, logouts, failures...), then its privacy."""
        request.target = self.world.user(index).username
        refused = self.list_gate(index)
        if refused is not None:
            return refused
        if not self._can_view(index, viewer):  # type: ignore[arg-type]
            return json_response(400, NOT_AUTHORIZED)
        return None

    def _page_served(self, index: int) -> None:
        with self._lock:
            self.target_state(index).pages_served += 1

    @staticmethod
    def _older_than(posts: list[SimPost], pk: int | None) -> int:
        """Position of the first post older than the cursor's (posts are newest first)."""
        if pk is None:
            return 0
        for position, post in enumerate(posts):
            if post.pk < pk:
                return position
        return len(posts)

    @staticmethod
    def _feed_cursor(cursor: str | None) -> int | bool | None:
        """The media pk of a feed cursor ("<media pk>_<owner pk>"); False when unreadable."""
        if not cursor:
            return None
        head = cursor.split("_", 1)[0]
        return int(head) if head.isdigit() else False

    def _clips_cursor(self, index: int, cursor: str | None) -> int | bool | None:
        return self._media_cursor("clips", index, cursor)

    def _media_cursor(self, listing: str, index: int, cursor: str | None) -> int | bool | None:
        """The media pk of an opaque cursor (reels tab, legacy timeline); False when
        unreadable or signed for another account or listing."""
        if not cursor:
            return None
        if cursor.startswith("QVFE"):
            raw = cursor[4:]
            try:
                pk_text, sig = (
                    base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode().split(":")
                )
                pk = int(pk_text)
            except (ValueError, binascii.Error):
                return False
            if sig == self.world.sign(f"{listing}:{index}:{pk}", 8):
                return pk
        return False

    def _encode_clips_cursor(self, index: int, pk: int) -> str:
        return self._encode_media_cursor("clips", index, pk)

    def _encode_media_cursor(self, listing: str, index: int, pk: int) -> str:
        token = f"{pk}:{self.world.sign(f'{listing}:{index}:{pk}', 8)}"
        return "QVFE" + base64.urlsafe_b64encode(token.encode()).decode().rstrip("=")

    def _size(self, value: Any, largest: int) -> int:
        try:
            size = int(value or ep.CONTENT_PAGE_SIZE)
        except (TypeError, ValueError):
            size = ep.CONTENT_PAGE_SIZE
        return max(1, min(size, largest))

    def feed_user(self, request: Request, match: re.Match[str]) -> Response:
        """GET feed/user/{pk}/: the account's feed, newest first (reels shared to it too)."""
        variant = self._variant(request)
        if variant is None:
            request.endpoint = "feed_user"
            return json_response(400, USERAGENT_MISMATCH)
        request.endpoint = f"{variant}_feed_user"
        viewer = self.viewer(request, mobile=variant == "mobile")
        if viewer is None:
            return self._needs_login(variant)
        index = self.world.index_of_pk(int(match["pk"]))
        if index is None:
            return json_response(404, {"message": "User not found", "status": "fail"})
        refused = self._content_gate(request, index, viewer)
        if refused is not None:
            return refused
        cursor = request.query.get("max_id") or None
        after = self._feed_cursor(cursor)
        if after is False:
            return json_response(400, {"message": "Invalid max_id", "status": "fail"})
        day = self.world.day
        posts = [post for post in self.world.content.visible(index, day) if post.in_feed]
        start = self._older_than(posts, after)
        page = posts[start : start + self._size(request.query.get("count"), 33)]
        more = start + len(page) < len(posts)
        self._page_served(index)
        bare = bool(self.scenarios(index).get("no_list_plays"))
        body: dict[str, Any] = {
            "items": [
                media_item(self.world, post, day, play_counts=True, list_answer=bare)
                for post in page
            ],
            "num_results": len(page),
            "more_available": more,
            "auto_load_more_enabled": True,
            "status": "ok",
        }
        if cursor and self.scenarios(index).get("content_cursor_loop"):
            body["more_available"] = True
            body["next_max_id"] = cursor
        elif more:
            body["next_max_id"] = f"{page[-1].pk}_{self.world.pk_of(index)}"
        return json_response(200, body)

    def clips_user(self, request: Request, match: re.Match[str]) -> Response:
        """POST clips/user/: the reels tab. Pages repeat the last CLIPS_REPEAT items of the
        page before, and every fifth item (position 3, 8, ...) comes without its
        {"media": ...} wrapper, as clients report."""
        variant = self._variant(request)
        if variant is None:
            request.endpoint = "clips_user"
            return json_response(400, USERAGENT_MISMATCH)
        request.endpoint = f"{variant}_clips_user"
        viewer = self.viewer(request, mobile=variant == "mobile")
        if viewer is None:
            return self._needs_login(variant)
        form = request.signed_body()
        try:
            index = self.world.index_of_pk(int(str(form.get("target_user_id", ""))))
        except ValueError:
            return json_response(400, {"message": "Invalid target_user_id", "status": "fail"})
        if index is None:
            return json_response(404, {"message": "User not found", "status": "fail"})
        refused = self._content_gate(request, index, viewer)
        if refused is not None:
            return refused
        cursor = str(form.get("max_id") or "") or None
        after = self._clips_cursor(index, cursor)
        if after is False:
            return json_response(400, {"message": "Invalid max_id", "status": "fail"})
        day = self.world.day
        posts = [post for post in self.world.content.visible(index, day) if post.in_clips]
        start = self._older_than(posts, after)
        page = posts[start : start + self._size(form.get("page_size"), 50)]
        more = start + len(page) < len(posts)
        self._page_served(index)
        items: list[dict[str, Any]] = []
        bare = bool(self.scenarios(index).get("no_list_plays"))
        for position, post in enumerate(page, start):
            item = media_item(self.world, post, day, play_counts=True, list_answer=bare)
            items.append(item if position % 5 == 3 else {"media": item})
        paging: dict[str, Any] = {"more_available": more}
        if cursor and self.scenarios(index).get("content_cursor_loop"):
            paging = {"max_id": cursor, "more_available": True}
        elif more:
            resume = page[len(page) - 1 - min(CLIPS_REPEAT, len(page) - 1)]
            paging["max_id"] = self._encode_clips_cursor(index, resume.pk)
        return json_response(200, {"items": items, "paging_info": paging, "status": "ok"})

    def media_info(self, request: Request, match: re.Match[str]) -> Response:
        """GET media/{pk}/info/. The web variant answers without a session too, but then
        with null play counts."""
        variant = self._variant(request)
        if variant is None:
            request.endpoint = "media_info"
            return json_response(400, USERAGENT_MISMATCH)
        request.endpoint = f"{variant}_media_info"
        viewer = self.viewer(request, mobile=variant == "mobile")
        if viewer is None and variant == "mobile":
            return self._needs_login(variant)
        day = self.world.day
        post = self.world.content.find(int(match["pk"]))
        if post is None or not post.visible(day):
            return json_response(
                404, {"message": "Media not found or unavailable", "status": "fail"}
            )
        refused = self._content_gate(request, post.owner, viewer)
        if refused is not None:
            return refused
        item = media_item(self.world, post, day, play_counts=viewer is not None)
        body = {
            "items": [item],
            "num_results": 1,
            "more_available": False,
            "auto_load_more_enabled": False,
            "status": "ok",
        }
        return json_response(200, body)

    def graphql_doc_query(self, request: Request, match: re.Match[str]) -> Response:
        """POST /graphql/query (doc_id + variables): the web app's profile posts grid."""
        request.endpoint = "graphql_doc_query"
        if request.app_id != ep.WEB_APP_ID:
            return json_response(400, USERAGENT_MISMATCH)
        form = request.form()
        if form.get("doc_id") != ep.DOC_IDS["user_timeline"]:
            return json_response(400, {"message": "Invalid doc_id", "status": "fail"})
        request.endpoint = "graphql_user_timeline"
        viewer = self.viewer(request, mobile=False)
        if viewer is None:
            return self._needs_login("web")
        try:
            variables = json.loads(form.get("variables") or "{}")
            username = str(variables["username"])
            size = self._size(
                variables.get("first") or (variables.get("data") or {}).get("count"), 33
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return json_response(400, {"message": "Invalid variables", "status": "fail"})
        index = self.world.index_of_username(username)
        if index is None:
            return json_response(200, {"data": {ep.TIMELINE_ROOT: None}, "status": "ok"})
        refused = self._content_gate(request, index, viewer)
        if refused is not None:
            return refused
        cursor = variables.get("after") or None
        after = self._feed_cursor(str(cursor) if cursor else None)
        if after is False:
            return json_response(400, {"message": "Invalid cursor", "status": "fail"})
        day = self.world.day
        owner_pk = self.world.pk_of(index)
        posts = [post for post in self.world.content.visible(index, day) if post.in_feed]
        start = self._older_than(posts, after)
        page = posts[start : start + size]
        more = start + len(page) < len(posts)
        self._page_served(index)
        end_cursor = f"{page[-1].pk}_{owner_pk}" if more else None
        if cursor and self.scenarios(index).get("content_cursor_loop"):
            more, end_cursor = True, str(cursor)
        edges = [
            {
                "node": media_item(self.world, post, day, play_counts=True, list_answer=True),
                "cursor": f"{post.pk}_{owner_pk}",
            }
            for post in page
        ]
        connection = {
            "edges": edges,
            "page_info": {
                "has_next_page": more,
                "end_cursor": end_cursor,
                "has_previous_page": False,
                "start_cursor": None,
            },
        }
        body = {
            "data": {
                ep.TIMELINE_ROOT: connection,
                "xdt_viewer": {"user": {"id": str(self.world.pk_of(viewer))}},
            },
            "extensions": {"is_final": True},
            "status": "ok",
        }
        return json_response(200, body)

    # --- Instagram: mobile -------------------------------------------------------------
    def _mobile_viewer(self, request: Request) -> int | Response:
        if request.app_id != ep.ANDROID_APP_ID or not request.user_agent.startswith("Instagram "):
            return json_response(400, USERAGENT_MISMATCH)
        viewer = self.viewer(request, mobile=True)
        if viewer is None:
            return json_response(403, LOGIN_REQUIRED)
        return viewer

    def username_info(self, request: Request, match: re.Match[str]) -> Response:
        request.endpoint = "mobile_usernameinfo"
        viewer = self._mobile_viewer(request)
        if isinstance(viewer, Response):
            return viewer
        index = self.world.index_of_username(unquote_plus(match["username"]))
        return self._mobile_user(request, index)

    def user_info(self, request: Request, match: re.Match[str]) -> Response:
        if self._variant(request) == "web":
            # The same user object on www; the web client needs a username for a pk.
            request.endpoint = "web_user_info"
            if self.viewer(request, mobile=False) is None:
                return self._needs_login("web")
            return self._mobile_user(request, self.world.index_of_pk(int(match["pk"])))
        request.endpoint = "mobile_user_info"
        viewer = self._mobile_viewer(request)
        if isinstance(viewer, Response):
            return viewer
        return self._mobile_user(request, self.world.index_of_pk(int(match["pk"])))

    def _mobile_user(self, request: Request, index: int | None) -> Response:
        not_found = json_response(404, {"message": "User not found", "status": "fail"})
        if index is None:
            return not_found
        request.target = self.world.user(index).username
        scenarios = self.scenarios(index)
        if scenarios.get("gone"):
            return not_found
        return json_response(
            200,
            {"user": self.full_user(index), "status": "ok"},
            raw_utf8=bool(scenarios.get("utf8_raw")),
        )

    def current_user(self, request: Request, match: re.Match[str]) -> Response:
        request.endpoint = "mobile_current_user"
        viewer = self._mobile_viewer(request)
        if isinstance(viewer, Response):
            return viewer
        user = self.full_user(viewer)
        account = {
            key: user[key]
            for key in (
                "pk",
                "username",
                "full_name",
                "is_private",
                "profile_pic_url",
                "is_verified",
            )
        }
        account.update(
            {
                "biography": user["biography"],
                "external_url": "",
                "is_business": False,
                "birthday": None,
                "phone_number": "",
                "gender": 3,
                "email": "",
            }
        )
        return json_response(200, {"user": account, "status": "ok"})

    def qe_sync(self, request: Request, match: re.Match[str]) -> Response:
        request.endpoint = "mobile_qe_sync"
        key_id, public_key = self.world.password_public_key()
        headers = [
            (ep.HEADER_PASSWORD_KEY_ID, str(key_id)),
            (ep.HEADER_PASSWORD_PUB_KEY, public_key),
            ("ig-set-x-mid", f"Z{self.world.sign('mid', 26)}"),
        ]
        return json_response(200, {"experiments": [], "status": "ok"}, headers=headers)

    def launcher_sync(self, request: Request, match: re.Match[str]) -> Response:
        request.endpoint = "mobile_launcher_sync"
        return json_response(200, {"configs": {}, "status": "ok"})

    def reels_tray(self, request: Request, match: re.Match[str]) -> Response:
        request.endpoint = "mobile_feed"
        return json_response(200, {"tray": [], "broadcasts": [], "status": "ok"})

    def timeline(self, request: Request, match: re.Match[str]) -> Response:
        request.endpoint = "mobile_feed"
        body = {"feed_items": [], "num_results": 0, "more_available": False, "status": "ok"}
        return json_response(200, body)

    def login(self, request: Request, match: re.Match[str]) -> Response:
        request.endpoint = "mobile_login"
        data = request.signed_body()
        username = str(data.get("username", "")).strip().lower()
        index = self.world.cast_index(username)
        cast = self.world.cast_member(index) if index is not None else None
        request.target = username or None
        if cast is None or cast.password is None or index is None:
            return json_response(
                400,
                {
                    "message": "The username you entered doesn't appear to belong to an account. "
                    "Please check your username and try again.",
                    "invalid_credentials": True,
                    "error_title": "Incorrect Username",
                    "status": "fail",
                    "error_type": "invalid_user",
                },
            )
        password = self.world.decrypt_password(str(data.get("enc_password", "")))
        if password != cast.password:
            return json_response(
                400,
                {
                    "message": "The password you entered is incorrect. Please try again.",
                    "invalid_credentials": True,
                    "error_title": "Incorrect Password for " + username,
                    "status": "fail",
                    "error_type": "bad_password",
                },
            )
        if cast.login_challenge:
            return json_response(400, self._challenge_body(index, "classic"))
        if cast.two_factor_code:
            identifier = self.world.two_factor_identifier(username)
            info = {
                "username": username,
                "sms_two_factor_on": False,
                "totp_two_factor_on": True,
                "whatsapp_two_factor_on": False,
                "obfuscated_phone_number": "",
                "two_factor_identifier": identifier,
                "show_messenger_code_option": False,
                "show_new_login_screen": True,
                "show_trusted_device_option": True,
                "pending_trusted_notification": False,
            }
            return json_response(
                400,
                {
                    "message": "",
                    "two_factor_required": True,
                    "two_factor_info": info,
                    "phone_verification_settings": {"max_sms_count": 2, "resend_sms_delay_sec": 60},
                    "status": "fail",
                    "error_type": "two_factor_required",
                },
            )
        return self._logged_in(index)

    def two_factor_login(self, request: Request, match: re.Match[str]) -> Response:
        request.endpoint = "mobile_two_factor_login"
        data = request.signed_body()
        username = str(data.get("username", "")).strip().lower()
        index = self.world.cast_index(username)
        cast = self.world.cast_member(index) if index is not None else None
        request.target = username or None
        identifier = str(data.get("two_factor_identifier") or "")
        if (
            cast is None
            or index is None
            or not self.world.two_factor_identifier_ok(username, identifier)
        ):
            return json_response(
                400,
                {
                    "message": "This two-factor session expired; please log in again.",
                    "status": "fail",
                    "error_type": "invalid_nonce",
                },
            )
        if str(data.get("verification_code", "")).strip() != cast.two_factor_code:
            return json_response(
                400,
                {
                    "message": "Please check the security code and try again.",
                    "status": "fail",
                    "error_type": "sms_code_validation_code_invalid",
                },
            )
        return self._logged_in(index)

    def _logged_in(self, index: int) -> Response:
        sessionid = self.world.new_session(index)
        pk = self.world.pk_of(index)
        expires = EPOCH + 365 * DAY_SECONDS
        headers: Headers = [
            (ep.HEADER_SET_AUTHORIZATION, self.world.authorization_for(sessionid, index)),
            ("ig-set-ig-u-ds-user-id", str(pk)),
            ("ig-set-ig-u-rur", f"CLN,{pk},{expires}:01f7{self.world.sign(f'rur:{pk}', 40)}"),
            ("ig-set-x-mid", f"Z{self.world.sign('mid', 26)}"),
            ("Set-Cookie", f"csrftoken={self.world.sign(f'csrf:{sessionid}', 32)}; Path=/"),
            ("Set-Cookie", f"ds_user_id={pk}; Path=/"),
            ("Set-Cookie", f"sessionid={sessionid}; Path=/; HttpOnly"),
        ]
        user = self.full_user(index)
        body = {"logged_in_user": user, "session_flush_nonce": None, "status": "ok"}
        return json_response(200, body, headers=headers)

    def logout(self, request: Request, match: re.Match[str]) -> Response:
        request.endpoint = "mobile_logout"
        auth = request.headers.get("authorization", "")
        if auth.startswith("Bearer IGT:2:"):
            try:
                data = json.loads(base64.b64decode(auth.removeprefix("Bearer IGT:2:")))
                self.world.revoke(str(data.get("sessionid") or ""))
            except (ValueError, binascii.Error):
                pass
        if request.cookies.get("sessionid"):
            self.world.revoke(request.cookies["sessionid"])
        return json_response(200, {"status": "ok"})

    def challenge_page(self, request: Request, match: re.Match[str]) -> Response:
        request.endpoint = "challenge_page"
        html = (
            "<!doctype html><title>Simulated challenge</title><h1>Simulated challenge</h1>"
            "<p>This is the igdash Instagram simulator. A real account would be asked to "
            "confirm it is you here. Clear the scenario with "
            "<code>DELETE /__sim__/scenarios/&lt;username&gt;</code>.</p>"
        )
        return text_response(200, html, "text/html")

    def cdn(self, request: Request, match: re.Match[str]) -> Response:
        request.endpoint = "cdn"
        name = request.path.rsplit("/", 1)[-1]
        digits = name.split("_", 1)[0]
        seed = int(digits) if digits.isdigit() else 0
        headers: Headers = [("Cache-Control", "max-age=86400")]
        return Response(200, avatar_png(seed), content_type="image/png", headers=headers)

    # --- state the control API reads and changes ------------------------------------
    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "total": sum(self._stats_endpoints.values()),
                "endpoints": dict(self._stats_endpoints),
                "targets": {name: dict(counts) for name, counts in self._stats_targets.items()},
                "status": dict(self._stats_status),
                "viewers": {name: dict(counts) for name, counts in self._stats_viewers.items()},
            }

    def request_log(self) -> list[tuple[float, str, str]]:
        """Every Instagram request since the last reset (the newest REQUEST_LOG_SIZE):
        (arrival as Unix time, viewer's username or "anonymous", endpoint)."""
        with self._lock:
            return list(self._request_log)

    def reset_stats(self) -> None:
        with self._lock:
            self._stats_endpoints.clear()
            self._stats_targets.clear()
            self._stats_status.clear()
            self._stats_viewers.clear()
            self._request_log.clear()

    def scenario_table(self) -> dict[str, dict[str, Any]]:
        """Active scenarios by username (cast defaults included)."""
        with self._lock:
            indexes = sorted(set(self._cast_defaults) | set(self._targets))
        return {
            self.world.user(index).username: self.scenarios(index)
            for index in indexes
            if self.scenarios(index)
        }

    def set_scenarios(self, index: int, scenarios: dict[str, Any]) -> None:
        with self._lock:
            # New scenarios restart the target's request and page counters.
            self._targets[index] = TargetState(scenarios)

    def reset(self) -> None:
        """Back to day 0, cast default scenarios, no delay, zero stats."""
        self.world.set_day(0)
        self.world.reset_sessions()
        self.world.reset_renames()
        with self._lock:
            self._targets.clear()
            self.delay_ms = 0
        self.reset_stats()


def _friendships_variant(request: Request) -> str | None:
    """Which of Instagram's clients the request claims to be by its app id and
    user agent, "web" or "mobile"; None when the two disagree."""
    if request.app_id == ep.WEB_APP_ID and request.user_agent.startswith("Mozilla/"):
        return "web"
    if request.app_id == ep.ANDROID_APP_ID and request.user_agent.startswith("Instagram "):
        return "mobile"
    return None


def _friendships_page_size(request: Request, variant: str) -> int:
    """The page size asked for (`count`), within what the client's API allows."""
    try:
        count = int(request.query.get("count", "0"))
    except ValueError:
        count = 0
    if variant == "web":
        return min(count or ep.WEB_PAGE_SIZE_DEFAULT, ep.WEB_PAGE_SIZE)
    return min(count or ep.PRIVATE_PAGE_SIZE, ep.PRIVATE_PAGE_SIZE)


def _capped(direction: Direction, scenarios: Mapping[str, Any]) -> bool:
    """The "capped" scenario: the follower list ends after one short page."""
    return direction == "followers" and bool(scenarios.get("capped"))
