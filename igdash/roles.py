"""Who may do what, in one place: the owner everything, viewers may look.

igdash has one owner: the superuser `igdash serve` creates. Any other logged-in
account gets 403 on every page, unless it is in the "viewers" group: viewers may
read pages and download exports (GET, HEAD) but change nothing (403 on any other
method) and never see the admin. Pages that need no login (the login page,
/health, signed Excel links) and logging out stay open to everyone.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.template.loader import render_to_string

VIEWERS_GROUP = "viewers"
READ_METHODS = frozenset({"GET", "HEAD"})
# Views anyone logged in may reach whatever the role (logging out included).
OPEN_TO_ALL = frozenset({"logout"})
# Views (by "namespace:name") a viewer may POST to although they change nothing
# the owner keeps. None today: even a background export starts with a GET.
VIEWER_MAY_POST: frozenset[str] = frozenset()


def is_owner(user: object) -> bool:
    return bool(getattr(user, "is_active", False) and getattr(user, "is_superuser", False))


def is_viewer(user: object) -> bool:
    groups = getattr(user, "groups", None)
    return bool(
        getattr(user, "is_active", False)
        and groups is not None
        and groups.filter(name=VIEWERS_GROUP).exists()
    )


def _forbidden(request: HttpRequest, text: str, *, viewer: bool = False) -> HttpResponse:
    """A page with the reason and a way on (log out, or back for a viewer); one
    line of text for an HTMX request, which shows it where its answer goes."""
    if getattr(request, "htmx", False) or request.headers.get("HX-Request"):
        return HttpResponseForbidden(text + "\n", content_type="text/plain; charset=utf-8")
    html = render_to_string(
        "registration/refused.html", {"message": text, "viewer": viewer}, request=request
    )
    return HttpResponseForbidden(html)


def refusal(request: HttpRequest) -> HttpResponse | None:
    """None when the request may go on, else the 403 that says why."""
    user = request.user
    if not user.is_authenticated or is_owner(user):
        return None  # anonymous: LoginRequiredMiddleware and the public views decide
    match = request.resolver_match
    if match is not None and match.url_name in OPEN_TO_ALL:
        return None
    if match is not None and "admin" in match.namespaces:
        return _forbidden(
            request, "The admin site is for the owner of this igdash only.", viewer=is_viewer(user)
        )
    if not is_viewer(user):
        return _forbidden(
            request,
            "This igdash belongs to its owner; your account has no access. "
            f'The owner can add it to the "{VIEWERS_GROUP}" group to let it look.',
        )
    if request.method not in READ_METHODS and (
        match is None or match.view_name not in VIEWER_MAY_POST
    ):
        return _forbidden(
            request, "Viewers can look but not change anything; ask the owner.", viewer=True
        )
    return None


class OwnerOnlyMiddleware:
    """After authentication and LoginRequiredMiddleware (settings.MIDDLEWARE)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., HttpResponse], *args: object
    ) -> HttpResponse | None:
        if not getattr(view_func, "login_required", True):
            return None  # public views (login, /health, signed links) are for anyone
        return refusal(request)
