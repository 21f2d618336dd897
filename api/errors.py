"""Every refusal of the API is JSON of one shape: {"code": ..., "message": ...}.

`code` is stable (scripts may test it), `message` is for people. The codes:
bad_input (400), unauthorized (401), forbidden (403: scope or viewer),
not_found (404), conflict (409: a scrape is already running, nothing to
cancel), throttled (429, with Retry-After), busy (503, with Retry-After)."""

from __future__ import annotations

from ninja import Schema


class ErrorOut(Schema):
    code: str
    message: str


class ApiError(Exception):
    status = 400
    code = "bad_input"

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class BadRequest(ApiError):
    pass


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"


class Forbidden(ApiError):
    status, code = 403, "forbidden"


class NotFound(ApiError):
    status, code = 404, "not_found"


class Conflict(ApiError):
    status, code = 409, "conflict"


class Throttled(ApiError):
    status, code = 429, "throttled"


class Busy(ApiError):
    status, code = 503, "busy"


# The answers every operation may give besides its own (the OpenAPI schema lists them).
COMMON = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut}
