"""The picture of an Instagram user, cached by accounts_app/avatars.py, or its
initial drawn as an SVG."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from accounts_app import avatars
from accounts_app.models import IgUser


@require_GET
def avatar(request: HttpRequest, user_id: int) -> HttpResponseBase:
    found = avatars.cached(user_id)
    if found is not None:
        path, content_type = found
        response: HttpResponseBase = FileResponse(path.open("rb"), content_type=content_type)
        response["Cache-Control"] = "private, max-age=86400"
        return response
    user = get_object_or_404(IgUser.objects.only("username"), pk=user_id)
    response = HttpResponse(avatars.initial_svg(user.username), content_type="image/svg+xml")
    # Short: the real picture may be cached by the next scrape.
    response["Cache-Control"] = "private, max-age=300"
    return response
