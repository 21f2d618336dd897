"""Bearer tokens: the API's only way in (docs/api.md, docs/security.md).

Session cookies do not authenticate here: the API reads nothing but the
Authorization header, so a page open in the owner's browser cannot be made to
call it (no CSRF hole), and every view is exempt from the session login.

Order, for every request: the allowlist (middleware, 403) -> the lockout of
the address (429, before the token is looked at) -> the token (401, and a
failure counted) -> its scope (403)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from api import throttle, tokens
from api.errors import Forbidden, Throttled, Unauthorized
from api.models import ApiToken


class TokenAuth(HttpBearer):
    def __init__(self, *, write: bool = False) -> None:
        super().__init__()
        self.write = write

    def __call__(self, request: HttpRequest) -> ApiToken:
        wait = throttle.locked_for(request)
        if wait is not None:
            raise Throttled(
                "Too many failed token attempts from this address; "
                f"try again in {-(-wait // 60)} minute(s).",
                retry_after=wait,
            )
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized(
                "Send an API token: 'Authorization: Bearer igd_...' "
                "(Settings > API tokens, or `igdash api_token create NAME`)."
            )
        row = tokens.find(token)
        if row is None:
            throttle.count_failure(request)
            raise Unauthorized("The API token is unknown, revoked or expired.")
        if self.write and not row.may_write:
            raise Forbidden(f"The token {row.name!r} may only read; this needs a write token.")
        request.api_token = row  # type: ignore[attr-defined]  # for the views that need it
        return row

    def authenticate(self, request: HttpRequest, token: str) -> Any:  # pragma: no cover
        raise NotImplementedError  # __call__ does it all


READ = TokenAuth()
WRITE = TokenAuth(write=True)
