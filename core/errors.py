"""Requests igdash refuses with a message of its own: a 400 page that says what
was wrong (templates/400.html).

`BadInput` is a BadRequest: Django answers it with 400 even without the
middleware, but logs a traceback for it. The middleware answers it first, with
the message on the app's 400 page, and Django logs one line ("Bad Request: /path").
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class BadInput(BadRequest):
    """Input no page of igdash hands out; str() says what was wrong, for the owner."""


class BadInputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, BadInput):
            return None
        return render(request, "400.html", {"message": str(exception)}, status=400)
