"""Scrape pages: the modal that starts one, its live progress, the Scrapes page."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, HttpResponseStopPolling

from core.htmx import HtmxHttpRequest
from core.http import page_or_rows, safe_next
from scraping import scrape_pages
from scraping.forms import ScrapeForm
from scraping.models import Scrape


@require_http_methods(["GET", "POST"])
def scrape_new(request: HtmxHttpRequest, form_class: type[ScrapeForm] = ScrapeForm) -> HttpResponse:
    """The scrape modal. `form_class`: the shell mounts this view with a subclass
    of ScrapeForm that adds the parts of the apps above scraping (igdash/urls.py)."""
    if request.method == "GET":
        form = form_class(initial={"handle": request.GET.get("handle", "")})
    else:
        form = form_class(request.POST)
        scrape = scrape_pages.start(form) if form.is_valid() else None
        if scrape is not None:
            if request.htmx:
                context = {"progress": scrape_pages.progress(scrape.pk)}
                return render(request, "scraping/scrape_detail.html#progress", context)
            return redirect("scraping:detail", scrape.pk)
    template = "scraping/scrape_new.html#modal" if request.htmx else "scraping/scrape_new.html"
    return render(request, template, {"form": form})


@require_GET
def scrape_detail(request: HttpRequest, scrape_id: int) -> HttpResponse:
    progress = scrape_pages.progress(scrape_id)
    if progress is None:
        raise Http404("No such scrape.")
    return render(request, "scraping/scrape_detail.html", {"progress": progress})


@require_GET
def progress_hx(request: HttpRequest, scrape_id: int) -> HttpResponse:
    progress = scrape_pages.progress(scrape_id)
    if progress is None:
        raise Http404("No such scrape.")
    response = render(request, "scraping/scrape_detail.html#progress", {"progress": progress})
    if progress.finished:
        # 286 stops the polling; HX-Redirect then opens the account with the new data.
        response.status_code = HttpResponseStopPolling.status_code
        if progress.lands_on_account:
            response["HX-Redirect"] = progress.account_url
    return response


@require_GET
def scrape_list(request: HttpRequest, rows: bool = False) -> HttpResponse:
    """The Scrapes page, or its next rows (HTMX, or the /scrapes/rows/ URL)."""
    account, page = scrape_pages.list_page(request.GET)
    context = {"account": account, "page": page}
    return page_or_rows(request, "scraping/scrape_list.html", context, rows=rows)


@require_POST
def cancel(request: HtmxHttpRequest, scrape_id: int) -> HttpResponse:
    scrape = get_object_or_404(Scrape.objects.select_related("target__user"), pk=scrape_id)
    error = scrape_pages.cancel(scrape)
    messages.add_message(
        request,
        messages.ERROR if error else messages.SUCCESS,
        error or f"Scrape #{scrape.pk} cancelled.",
    )
    return _back(request)


@require_POST
def retry(request: HtmxHttpRequest, scrape_id: int) -> HttpResponse:
    scrape = get_object_or_404(Scrape.objects.select_related("target__user"), pk=scrape_id)
    new, error = scrape_pages.retry(scrape)
    if error:
        messages.error(request, error)
        return _back(request)
    assert new is not None
    if request.htmx:
        return HttpResponseClientRedirect(reverse("scraping:detail", args=[new.pk]))
    return redirect("scraping:detail", new.pk)


def _back(request: HtmxHttpRequest) -> HttpResponse:
    target = safe_next(request, reverse("scraping:list"))
    if request.htmx:
        return HttpResponseClientRedirect(target)
    return redirect(target)
