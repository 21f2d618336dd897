"""The Accounts pages: the tracked accounts, one account's lists and tabs, its
bookmark, deletion and data-export import. Pages of the shell: they combine
accounts, scrapes, list queries and imports."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts_app.models import TrackedAccount
from content import services as content_services
from core.htmx import HtmxHttpRequest
from core.http import is_partial, page_or_rows, safe_next
from igdash.account_pages import account as browse
from igdash.account_pages import accounts as tracked
from notify.watch import watched_ids
from scraping import imports
from scraping.imports import uploads
from scraping.services import ScrapeError


@require_GET
def account_list(request: HttpRequest, rows: bool = False) -> HttpResponse:
    """The Accounts page, or its next rows (HTMX, or the /accounts/-/rows/ URL)."""
    listing = tracked.list_page(request.GET)
    return page_or_rows(request, "accounts_app/account_list.html", {"listing": listing}, rows=rows)


@require_GET
def account_detail(request: HttpRequest, username: str, rows: bool = False) -> HttpResponse:
    """An account's page, or the next rows of the list on screen (HTMX, or the
    /accounts/<username>/rows/ URL)."""
    template = "accounts_app/account_detail.html"
    target = tracked.get_target(username)
    if not (rows or is_partial(request)):
        context = {
            "page": browse.account_page(target, request.GET),
            "window_days": settings.CONTENT_NIGHTLY_WINDOW_DAYS,
            "watched": watched_ids(target),
        }
        return page_or_rows(request, template, context)
    form, page = browse.rows_page(target, request.GET)
    next_url = form.params(cursor=page.next_cursor) if page.next_cursor else None
    context = {
        "target": target,
        "form": form,
        "rows": page,
        "next_url": next_url,
        "watched": watched_ids(target),
    }
    return page_or_rows(request, template, context, rows=True)


@require_POST
def bookmark(request: HtmxHttpRequest, username: str) -> HttpResponse:
    target = tracked.set_bookmark(tracked.get_target(username), request.POST.get("on") == "1")
    if request.htmx:
        return render(request, "accounts_app/partials/_bookmark.html", {"account": target})
    return redirect(safe_next(request, reverse("accounts:list")))


@require_POST
def nightly_content(request: HtmxHttpRequest, username: str) -> HttpResponse:
    """The owner's switch: posts and reels in the account's nightly refresh
    (done only while the account is also starred for the nightly refresh)."""
    target = tracked.get_target(username)
    content_services.set_nightly(target, request.POST.get("on") == "1")
    if request.htmx:
        target = tracked.get_target(username)  # the switch as stored
        context = {"account": target, "window_days": settings.CONTENT_NIGHTLY_WINDOW_DAYS}
        return render(request, "content/_nightly_switch.html", context)
    return redirect(safe_next(request, reverse("accounts:detail", args=[username])))


@require_http_methods(["GET", "POST"])
def delete(request: HtmxHttpRequest, username: str) -> HttpResponse:
    target = tracked.get_target(username)
    error = None
    if request.method == "POST":
        try:
            tracked.delete_account(target)
        except tracked.CannotDelete as exc:
            error = str(exc)
        else:
            messages.success(request, f"@{target.user.username} and its history were deleted.")
            if request.htmx:
                return HttpResponseClientRedirect(reverse("accounts:list"))
            return redirect("accounts:list")
    return render(request, "accounts_app/account_delete.html", {"target": target, "error": error})


# CSRF is checked by _import_checked: the size check must come before anything
# reads the body, and the CSRF check reads it (the token is a form field).
@csrf_exempt
@require_POST
def import_upload(request: HttpRequest, username: str) -> HttpResponse:
    target = tracked.get_target(username)
    refusal = uploads.too_large(request)
    if refusal:
        return _import_refused(request, target, refusal)
    return _import_checked(request, target)


@csrf_protect
def _import_checked(request: HttpRequest, target: TrackedAccount) -> HttpResponse:
    try:
        scrape = imports.import_export(target, uploads.sources(request))
    except (imports.ImportFileError, ScrapeError) as exc:
        return _import_refused(request, target, str(exc))
    messages.success(request, imports.summary(scrape))
    return redirect("accounts:detail", target.user.username)


def _import_refused(request: HttpRequest, target: TrackedAccount, error: str) -> HttpResponse:
    context = {"page": browse.account_page(target, request.GET), "import_error": error}
    return render(request, "accounts_app/account_detail.html", context, status=400)
