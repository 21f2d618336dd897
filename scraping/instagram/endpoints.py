"""Every Instagram host, path, header, app id and query id the project uses.

Instagram retires endpoints without notice; when it does, the fix belongs here and
nowhere else. The simulator imports the same names, so it answers exactly what the
clients ask for. Wire facts: docs/instagram-wire.md.
"""

from __future__ import annotations

from typing import Final, Literal

Direction = Literal["followers", "following"]
DIRECTIONS: Final = ("followers", "following")

# --- Hosts -------------------------------------------------------------------------------
WEB_URL: Final = "https://www.instagram.com"
API_URL: Final = "https://i.instagram.com"
WEB_HOST: Final = "www.instagram.com"
API_HOST: Final = "i.instagram.com"
# instagrapi sends its login (CAA/Bloks) and USDID calls to this host.
API_HOST_BLOKS: Final = "b.i.instagram.com"

# --- Endpoint families, as the rate limiter counts them ----------------------------------
FAMILY_WEB_API: Final = "web_api"
FAMILY_GRAPHQL: Final = "graphql"
FAMILY_MOBILE_API: Final = "mobile_api"

# --- App ids and headers ------------------------------------------------------------------
WEB_APP_ID: Final = "936619743392459"
ANDROID_APP_ID: Final = "567067343352427"
ASBD_ID: Final = "129477"
WEB_USER_AGENT: Final = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)

# --- Web (www) paths ----------------------------------------------------------------------
WEB_PROFILE_INFO: Final = "/api/v1/users/web_profile_info/"
# Same path on www (web headers + browser cookies) and on i. (mobile headers + token).
FRIENDSHIPS: Final = "/api/v1/friendships/{pk}/{direction}/"
GRAPHQL_QUERY: Final = "/graphql/query/"
# The Relay endpoint of the logged-in web app: POST, form fields doc_id + variables.
GRAPHQL_DOC_QUERY: Final = "/graphql/query"
LOGIN_PAGE: Final = "/accounts/login/"
CHALLENGE_PREFIX: Final = "/challenge/"

QUERY_HASHES: Final[dict[Direction, str]] = {
    "followers": "37479f2b8209594dde7facb0d904896a",
    "following": "58712303d941c6855d4e888c5f0cd22f",
}
GRAPHQL_EDGES: Final[dict[str, str]] = {
    "followers": "edge_followed_by",
    "following": "edge_follow",
}

# --- Posts and reels (docs/instagram-wire.md section 8) ----------------------------------
# Same paths on www (web headers + browser cookies) and on i. (mobile headers + token).
FEED_USER: Final = "/api/v1/feed/user/{pk}/"
CLIPS_USER: Final = "/api/v1/clips/user/"
MEDIA_INFO: Final = "/api/v1/media/{pk}/info/"
# The user object by pk on www: the web timeline query is keyed by username.
WEB_USER_INFO: Final = "/api/v1/users/{pk}/info/"
# Relay persisted queries of the web app; Instagram rotates doc ids without notice.
DOC_IDS: Final[dict[str, str]] = {
    "user_timeline": "8656566431124939",
}
TIMELINE_ROOT: Final = "xdt_api__v1__feed__user_timeline_graphql_connection"
# The legacy query_hash query of a profile's posts (GET /graphql/query/, variables id,
# first, after), answered as data.user.edge_owner_to_timeline_media with legacy nodes:
# what the "graphql" client lists the grid with, as it lists followers.
TIMELINE_QUERY_HASH: Final = "003056d32c2554def87228bc3fd9668a"
TIMELINE_EDGE: Final = "edge_owner_to_timeline_media"
TIMELINE_FRIENDLY_NAMES: Final = (
    "PolarisProfilePostsQuery",  # first page
    "PolarisProfilePostsTabContentQuery_connection",  # later pages
)
CONTENT_PAGE_SIZE: Final = 12


def clips_form(user_pk: int, cursor: str | None) -> dict[str, str]:
    """The form of a reels-tab page (POST clips/user/), the same for both clients."""
    return {
        "target_user_id": str(int(user_pk)),
        "max_id": cursor or "",
        "page_size": str(CONTENT_PAGE_SIZE),
        "include_feed_video": "true",
    }


# --- Page sizes ---------------------------------------------------------------------------
PRIVATE_PAGE_SIZE: Final = 200
WEB_PAGE_SIZE: Final = 25
WEB_PAGE_SIZE_DEFAULT: Final = 12
GRAPHQL_PAGE_SIZE: Final = 50
GRAPHQL_PAGE_SIZE_MIN: Final = 12
SEARCH_SURFACE: Final = "follow_list_page"

# --- Private API endpoints as instagrapi's private_request() takes them (under /api/v1/) ---
PRIVATE_FRIENDSHIPS: Final = "friendships/{pk}/{direction}/"
PRIVATE_USERNAME_INFO: Final = "users/{username}/usernameinfo/"
# The same user object by pk: finds an account renamed since igdash last saw it.
PRIVATE_USER_INFO: Final = "users/{pk}/info/"
PRIVATE_FEED_USER: Final = "feed/user/{pk}/"
PRIVATE_CLIPS_USER: Final = "clips/user/"
PRIVATE_MEDIA_INFO: Final = "media/{pk}/info/"

# --- Paths instagrapi calls during login and session checks (the simulator answers them) --
API_PREFIX: Final = "/api/v1/"
MOBILE_USERNAME_INFO: Final = "/api/v1/users/{username}/usernameinfo/"
MOBILE_USER_INFO: Final = "/api/v1/users/{pk}/info/"
MOBILE_LOGIN: Final = "/api/v1/accounts/login/"
MOBILE_TWO_FACTOR_LOGIN: Final = "/api/v1/accounts/two_factor_login/"
MOBILE_LOGOUT: Final = "/api/v1/accounts/logout/"
MOBILE_CURRENT_USER: Final = "/api/v1/accounts/current_user/"
MOBILE_QE_SYNC: Final = "/api/v1/qe/sync/"
MOBILE_LAUNCHER_SYNC: Final = "/api/v1/launcher/sync/"
MOBILE_REELS_TRAY: Final = "/api/v1/feed/reels_tray/"
MOBILE_TIMELINE: Final = "/api/v1/feed/timeline/"

# Response headers of the mobile API that carry login state.
HEADER_SET_AUTHORIZATION: Final = "ig-set-authorization"
HEADER_PASSWORD_KEY_ID: Final = "ig-set-password-encryption-key-id"  # noqa: S105
HEADER_PASSWORD_PUB_KEY: Final = "ig-set-password-encryption-pub-key"  # noqa: S105


def web_headers(
    *, user_agent: str = WEB_USER_AGENT, csrftoken: str | None = None
) -> dict[str, str]:
    """Headers a desktop browser sends to the www JSON endpoints."""
    headers = {
        "User-Agent": user_agent,
        "X-IG-App-ID": WEB_APP_ID,
        "X-ASBD-ID": ASBD_ID,
        "X-Requested-With": "XMLHttpRequest",
        "Referer": WEB_URL + "/",
        "Accept": "*/*",
        "Accept-Language": "en-US,en;q=0.9",
    }
    if csrftoken:
        headers["X-CSRFToken"] = csrftoken
    return headers


def family_for(host: str, path: str) -> str:
    """The rate-limit family of a request, from its real (not redirected) host and path."""
    if host in (API_HOST, API_HOST_BLOKS):
        return FAMILY_MOBILE_API
    if path.startswith(GRAPHQL_DOC_QUERY) or path.startswith("/api/graphql"):
        return FAMILY_GRAPHQL
    return FAMILY_WEB_API
