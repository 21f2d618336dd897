"""The bell's unread count on every page (templates/base.html)."""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest

from notify.models import Event


def bell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    try:
        return {"notify_unread": Event.objects.filter(read=False).count()}
    except DatabaseError:  # an error page rendered before migrations, or a broken database
        return {}
