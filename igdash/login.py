"""Owner login with throttling of failed attempts per client address.

After LOGIN_MAX_FAILURES failures within LOGIN_LOCKOUT_MINUTES, the address is
locked out for LOGIN_LOCKOUT_MINUTES: the form says so (HTTP 429) instead of
failing silently, and the password is not even checked while locked.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from igdash.models import LoginThrottle


def _window() -> timedelta:
    return timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def locked_for(address: str) -> timedelta | None:
    row = LoginThrottle.objects.filter(address=address).first()
    if row and row.locked_until and row.locked_until > timezone.now():
        return row.locked_until - timezone.now()
    return None


@transaction.atomic
def record_failure(address: str) -> None:
    now = timezone.now()
    row, _ = LoginThrottle.objects.select_for_update().get_or_create(address=address)
    if now - row.window_started_at > _window():
        row.failures, row.window_started_at = 0, now
    row.failures += 1
    if row.failures >= settings.LOGIN_MAX_FAILURES:
        row.locked_until = now + _window()
    row.save()


def reset(address: str) -> None:
    LoginThrottle.objects.filter(address=address).delete()


class ThrottledLoginView(auth_views.LoginView):
    def _address(self) -> str:
        return getattr(self.request, "client_ip", None) or self.request.META.get("REMOTE_ADDR", "")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        remaining = locked_for(self._address())
        if remaining is not None:
            form = self.get_form()
            minutes = max(1, math.ceil(remaining.total_seconds() / 60))
            form.add_error(
                None,
                f"Too many failed attempts from this address. Try again in {minutes} minute"
                f"{'s' if minutes != 1 else ''}.",
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        record_failure(self._address())
        return super().form_invalid(form)

    def form_valid(self, form: Any) -> HttpResponse:
        reset(self._address())
        return super().form_valid(form)
