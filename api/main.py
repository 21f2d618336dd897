"""The NinjaAPI object: routers, error handlers, the docs page (docs/api.md)."""

from __future__ import annotations

import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError

from api import accounts, events, exports_api, scrapes
from api.errors import ApiError
from core.errors import BadInput

log = logging.getLogger(__name__)

CODES = {
    400: "bad_input",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    429: "throttled",
    503: "busy",
}


def error(status: int, message: str, retry_after: int | None = None) -> JsonResponse:
    response = JsonResponse({"code": CODES.get(status, "error"), "message": message}, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _where(loc: Any) -> str:
    parts = [str(p) for p in loc if p not in ("query", "body", "path", "header")]
    return ".".join(parts) or "input"


def _validation_message(errors: list[dict[str, Any]]) -> str:
    shown = [f"{_where(e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in errors[:5]]
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return "; ".join(shown) + more


api = NinjaAPI(
    title="igdash API",
    version="1",
    description=(
        "Accounts, scrapes, lists, exports and live scrape progress of this igdash. "
        "Send a personal token: `Authorization: Bearer igd_...` (Settings > API tokens). "
        "Read tokens may GET; write tokens may also start, cancel and retry scrapes, "
        "add, bookmark and delete accounts. Errors are `{code, message}`; lists are "
        "`{items, next_cursor}`."
    ),
    urls_namespace="api",
    docs=Swagger(settings={"persistAuthorization": False}),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_router("", accounts.router)
api.add_router("", scrapes.router)
api.add_router("", events.router)
api.add_router("", exports_api.router)


@api.exception_handler(ApiError)
def on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    response = error(exc.status, exc.message, exc.retry_after)
    if exc.status == 503:
        # "busy" is a refusal the client is told to retry (Retry-After), not a
        # fault of the server: a warning, where Django logs every 5xx as an error.
        log.warning("%s %s refused: %s", request.method, request.path, exc.message)
        response._has_been_logged = True  # type: ignore[attr-defined]
    return response


@api.exception_handler(ValidationError)
def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return error(400, _validation_message(list(exc.errors)))


@api.exception_handler(AuthenticationError)
def on_authentication(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error(401, "Send an API token: 'Authorization: Bearer igd_...'.")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error(exc.status_code, str(exc))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error(404, str(exc) or "Not found.")


@api.exception_handler(BadInput)
def on_bad_input(request: HttpRequest, exc: BadInput) -> HttpResponse:
    return error(400, str(exc))
