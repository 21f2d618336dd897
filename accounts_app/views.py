"""Accounts pages: the tracked accounts, one account's lists, avatars."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts_app import avatars, browse, tracked
from accounts_app.models import IgUser


@require_GET
def account_list(request: HttpRequest) -> HttpResponse:
    term, page = tracked.list_page(request.GET)
    return render(request, "accounts_app/account_list.html", {"term": term, "page": page})


@require_GET
def account_rows_hx(request: HttpRequest) -> HttpResponse:
    term, page = tracked.list_page(request.GET)
    context = {"term": term, "page": page}
    return render(request, "accounts_app/account_list.html#rows", context)


@require_GET
def account_detail(request: HttpRequest, username: str) -> HttpResponse:
    page = browse.account_page(tracked.get_target(username), request.GET)
    return render(request, "accounts_app/account_detail.html", {"page": page})


@require_GET
def relationship_rows_hx(request: HttpRequest, username: str) -> HttpResponse:
    target = tracked.get_target(username)
    form, rows = browse.rows_page(target, request.GET)
    next_url = form.params(cursor=rows.next_cursor) if rows.next_cursor else None
    context = {"target": target, "form": form, "rows": rows, "next_url": next_url}
    return render(request, "accounts_app/account_detail.html#rows", context)


@require_POST
def bookmark(request: HttpRequest, username: str) -> HttpResponse:
    target = tracked.set_bookmark(tracked.get_target(username), request.POST.get("on") == "1")
    if request.htmx:
        return render(request, "accounts_app/partials/_bookmark.html", {"account": target})
    back = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}):
        back = reverse("accounts:list")
    return redirect(back)


@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, username: str) -> HttpResponse:
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


@require_GET
def avatar(request: HttpRequest, user_id: int) -> HttpResponse:
    found = avatars.cached(user_id)
    if found is not None:
        path, content_type = found
        response: HttpResponse = FileResponse(path.open("rb"), content_type=content_type)
        response["Cache-Control"] = "private, max-age=86400"
        return response
    user = get_object_or_404(IgUser.objects.only("username"), pk=user_id)
    response = HttpResponse(avatars.initial_svg(user.username), content_type="image/svg+xml")
    # Short: the real picture may be cached by the next scrape.
    response["Cache-Control"] = "private, max-age=300"
    return response
