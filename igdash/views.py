"""Core pages: the dashboard, its search, /health, and the worker round-trip check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseStopPolling

from core.htmx import HtmxHttpRequest
from core.models import WorkerPing
from igdash import dashboard, health
from igdash.tasks import answer_ping


@login_not_required
@never_cache
@require_GET
def health_view(request: HttpRequest) -> JsonResponse:
    checks = health.run_checks()
    ok = all(c.ok for c in checks.values())
    body = {"status": "ok" if ok else "down", **{k: c.as_dict() for k, c in checks.items()}}
    return JsonResponse(body, status=200 if ok else 503)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    growth = dashboard.top_growth()
    term, page, hits = dashboard.search(request.GET.get("q"))
    context = {
        "kpis": dashboard.kpis(),
        "growth": growth,
        "growth_chart": dashboard.growth_chart(growth),
        "term": term,
        "page": page,
        "hits": hits,
        "checks": health.run_checks(),
    }
    return render(request, "igdash/home.html", context)


@require_GET
def search_hx(request: HttpRequest) -> HttpResponse:
    term, page, hits = dashboard.search(request.GET.get("q"), request.GET.get("cursor"))
    context = {"term": term, "page": page, "hits": hits}
    partial = "hits" if request.GET.get("cursor") else "results"
    return render(request, f"igdash/home.html#{partial}", context)


@require_POST
def ping_create(request: HttpRequest) -> HttpResponse:
    ping = WorkerPing.objects.create()
    answer_ping.delay_on_commit(ping.pk)  # type: ignore[attr-defined]  # a DjangoTask (Celery's Django fixup); celery-types types it Task
    return render(request, "igdash/partials/_ping.html", {"ping": ping}, status=201)


@require_GET
def ping_status_hx(request: HtmxHttpRequest, ping_id: int) -> HttpResponse:
    ping = get_object_or_404(WorkerPing, pk=ping_id)
    response = render(request, "igdash/partials/_ping.html", {"ping": ping})
    if ping.answered_at is not None and request.htmx:
        response.status_code = HttpResponseStopPolling.status_code
    return response
