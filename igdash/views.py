"""Core pages: dashboard home, /health, and the worker round-trip check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseStopPolling

from igdash import health
from igdash.models import WorkerPing
from igdash.tasks import answer_ping


@login_not_required
@never_cache
@require_GET
def health_view(request: HttpRequest) -> JsonResponse:
    checks = health.run_checks()
    ok = all(c.ok for c in checks.values())
    body = {"status": "ok" if ok else "down", **{k: c.as_dict() for k, c in checks.items()}}
    return JsonResponse(body, status=200 if ok else 503)


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "igdash/home.html", {"checks": health.run_checks()})


@require_POST
def ping_create(request: HttpRequest) -> HttpResponse:
    ping = WorkerPing.objects.create()
    answer_ping.delay_on_commit(ping.pk)
    return render(request, "igdash/partials/_ping.html", {"ping": ping}, status=201)


@require_GET
def ping_status_hx(request: HttpRequest, ping_id: int) -> HttpResponse:
    ping = get_object_or_404(WorkerPing, pk=ping_id)
    response = render(request, "igdash/partials/_ping.html", {"ping": ping})
    if ping.answered_at is not None and request.htmx:
        response.status_code = HttpResponseStopPolling.status_code
    return response
