"""The one error taxonomy every Instagram client raises.

Clients never leak httpx, requests or instagrapi exceptions: callers (the scrape
engine, the login views) catch these classes and nothing else.
"""

from __future__ import annotations

import json
import time
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar


class InstagramError(Exception):
    """Base class. `code` is a short machine string, `message` is for humans."""

    code: ClassVar[str] = "instagram_error"
    default_message: ClassVar[str] = "Instagram refused the request."

    def __init__(self, message: str | None = None, *, status: int | None = None) -> None:
        self.message = message or self.default_message
        self.status = status
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class RateLimited(InstagramError):
    code = "rate_limited"
    default_message = "Instagram asked to wait a few minutes before trying again."

    def __init__(
        self,
        message: str | None = None,
        *,
        retry_after: float | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class LoginRequired(InstagramError):
    code = "login_required"
    default_message = "Instagram logged this session out; log in again."


class ChallengeRequired(InstagramError):
    code = "challenge_required"
    default_message = "Instagram wants this login to pass a security challenge in the app."

    def __init__(
        self,
        message: str | None = None,
        *,
        url: str | None = None,
        api_path: str | None = None,
        masked: bool = False,
        status: int | None = None,
    ) -> None:
        super().__init__(message, status=status)
        self.url = url
        self.api_path = api_path
        # A bare 404 "Not Found" on a list endpoint: Instagram hides the challenge.
        self.masked = masked


class CheckpointRequired(InstagramError):
    code = "checkpoint_required"
    default_message = "Instagram put this login behind a checkpoint; open Instagram to clear it."

    def __init__(
        self, message: str | None = None, *, url: str | None = None, status: int | None = None
    ) -> None:
        super().__init__(message, status=status)
        self.url = url


class FeedbackRequired(InstagramError):
    code = "feedback_required"
    default_message = "Instagram limited this login (feedback_required); let it rest."


class TwoFactorRequired(InstagramError):
    code = "two_factor_required"
    default_message = "Instagram wants the two-factor code for this login."

    def __init__(
        self,
        message: str | None = None,
        *,
        two_factor_identifier: str | None = None,
        code_rejected: bool = False,
        status: int | None = None,
    ) -> None:
        super().__init__(message, status=status)
        self.two_factor_identifier = two_factor_identifier
        # True when a code was sent and Instagram did not accept it.
        self.code_rejected = code_rejected


class BadPassword(InstagramError):
    code = "bad_password"
    default_message = "Instagram did not accept this username and password."


class UnknownUser(BadPassword):
    """A login refused because Instagram knows no account by that name
    (`error_type: invalid_user`). A BadPassword too: both need the owner to fix
    what they typed, but the owner is told which part was wrong."""

    code = "invalid_user"
    default_message = (
        "Instagram has no account by this username (or it refuses logins from this network)."
    )


class NotFound(InstagramError):
    code = "not_found"
    default_message = "No Instagram account has this name (or it is deactivated)."


class PrivateTarget(InstagramError):
    code = "private_target"
    default_message = "This account is private and the logged-in account does not follow it."


class ListCapped(InstagramError):
    code = "list_capped"
    default_message = "Instagram capped this list (should_limit_list_of_followers)."


class EmptyEdgesFailure(InstagramError):
    code = "empty_edges"
    default_message = (
        "Instagram answered an empty list with a non-zero count: a failed scrape, "
        "not an account without followers."
    )


class RepeatedCursor(InstagramError):
    """Instagram answered a page with the cursor it was sent: following it would loop.
    The listing stops as incomplete (the engine says the same words for follower lists)."""

    code = "repeated_cursor"
    default_message = "Instagram sent the same cursor twice"


class TransportError(InstagramError):
    code = "transport_error"
    default_message = "Could not talk to Instagram (network error, server error or odd answer)."


PLEASE_WAIT = "Please wait a few minutes"
# Login answers whose `error_type` means "the 2FA code was wrong / expired".
_TWO_FACTOR_CODE_ERRORS = frozenset(
    {"sms_code_validation_code_invalid", "invalid_verification_code", "invalid_nonce"}
)


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds (it may be a number or an HTTP date); None when absent."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _json_object(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def classify_error(
    status: int, text: str, *, retry_after: str | None = None, endpoint: str = "list"
) -> InstagramError:
    """Map one failed answer (status, body, Retry-After) onto our taxonomy.

    `endpoint` is "profile", "list" or "login": a bare 404 means "no such user"
    on a profile but a masked challenge on a list.
    """
    body = _json_object(text)
    message = str(body.get("message") or "")
    error_type = str(body.get("error_type") or "")
    wait = parse_retry_after(retry_after)

    error = _login_error(status, body, message, error_type)
    if error is None:
        error = _throttle_error(status, body, message, error_type, wait)
    if error is None:
        error = _refusal_error(status, body, message, error_type, endpoint)
    if error is None:
        detail = message or text[:200].strip() or "empty body"
        error = TransportError(f"Instagram answered HTTP {status}: {detail}", status=status)
    return error


def _login_error(
    status: int, body: dict[str, Any], message: str, error_type: str
) -> InstagramError | None:
    """The answers that need something of the login (a code, a challenge, a
    fresh session): they win over the status code. None for any other answer."""
    if body.get("two_factor_info") or error_type == "two_factor_required":
        info = body.get("two_factor_info") or {}
        return TwoFactorRequired(
            two_factor_identifier=info.get("two_factor_identifier"), status=status
        )
    if error_type in _TWO_FACTOR_CODE_ERRORS:
        return TwoFactorRequired(
            "Instagram did not accept the two-factor code.", code_rejected=True, status=status
        )
    if message == "challenge_required" or error_type == "checkpoint_challenge_required":
        challenge = body.get("challenge") or {}
        return ChallengeRequired(
            url=challenge.get("url") or body.get("challenge_url"),
            api_path=challenge.get("api_path"),
            status=status,
        )
    if message == "checkpoint_required":
        return CheckpointRequired(url=body.get("checkpoint_url"), status=status)
    if message == "feedback_required" or error_type == "feedback_required":
        detail = body.get("feedback_message")
        return FeedbackRequired(
            f"{FeedbackRequired.default_message} ({detail})" if detail else None, status=status
        )
    if message == "login_required" or body.get("logout_reason") is not None:
        return LoginRequired(status=status)
    if body.get("require_login"):
        # "Please wait" plus require_login: waiting does not help, a login does.
        return LoginRequired(
            "Instagram wants a logged-in session for this (require_login).", status=status
        )
    return None


def _throttle_error(
    status: int, body: dict[str, Any], message: str, error_type: str, wait: float | None
) -> InstagramError | None:
    """A rate limit, in each of the ways Instagram says so; None otherwise."""
    if status == 429 or PLEASE_WAIT in message or error_type == "rate_limit_error":
        return RateLimited(retry_after=wait, status=status)
    if status == 401:
        # The web API answers 401 with an empty body when it throttles.
        return (
            RateLimited(retry_after=wait, status=status)
            if not body
            else LoginRequired(status=status)
        )
    return None


def _refusal_error(
    status: int, body: dict[str, Any], message: str, error_type: str, endpoint: str
) -> InstagramError | None:
    """A refusal about the account asked for or the login's password (no such
    user, private, bad password, forbidden); None for anything else."""
    if error_type == "invalid_user":
        return UnknownUser(status=status)
    if error_type == "bad_password" or body.get("invalid_credentials"):
        return BadPassword(message or None, status=status)
    if "Not authorized to view user" in message:
        return PrivateTarget(status=status)
    if "unable to fetch followers" in message or message == "User not found":
        return NotFound(status=status)
    if status == 403:
        return LoginRequired(status=status)
    if status == 404:
        if endpoint == "list" and not body:
            return ChallengeRequired(
                "Instagram answered 404 on a follower list, which is how it masks a challenge.",
                masked=True,
                status=status,
            )
        return NotFound(status=status)
    return None
