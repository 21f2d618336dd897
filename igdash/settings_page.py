"""The Settings page: the owner's AppSettings and the Instagram logins' status."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts_app.models import LoginCredential
from igdash.forms import AppSettingsForm
from igdash.models import AppSettings
from igdash.schedule import ensure_schedule


def save(form: AppSettingsForm) -> AppSettings:
    """Store the settings; a new refresh time reaches the beat schedule at once
    (django-celery-beat reads it from the database)."""
    settings = form.save()
    if "refresh_time" in form.changed_data:
        ensure_schedule()
    return settings


@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest) -> HttpResponse:
    form = AppSettingsForm(request.POST or None, instance=AppSettings.load())
    if request.method == "POST" and form.is_valid():
        save(form)
        messages.success(request, "Settings saved.")
        return redirect("settings")
    logins = LoginCredential.objects.order_by("username")
    return render(request, "igdash/settings.html", {"form": form, "logins": logins})
