"""The owner's login page, throttled by django-axes (igdash/login_throttle.py).

While the client's address or the user name asked for is locked out, a login
POST is answered with the lockout page before the form is even bound: no
password is read, authenticate() never runs, and the answer is the same bytes
for a right and a wrong password (the page has no form, so no per-render CSRF
token either).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from igdash.login_throttle import cool_off, lockout_of, username_of


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE, and the login view's own answer while locked out."""
    username = username_of(request, credentials)
    lockout = lockout_of(request, username)
    minutes = lockout.minutes if lockout else max(1, int(cool_off().total_seconds()) // 60)
    # Rendered without the request: nothing per-request (CSRF token, user) may
    # differ between two locked-out answers.
    html = render_to_string("registration/locked_out.html", {"minutes": minutes})
    return HttpResponse(html, status=429)


class ThrottledLoginView(auth_views.LoginView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if lockout_of(request, username_of(request, None)) is not None:
            return lockout_response(request)
        return super().post(request, *args, **kwargs)
