"""Downloads of a tracked account's lists (login required by the middleware)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from exports import excel, files
from exports.lists import AccountList, ListError, find_target, get_list

TEXT = "text/plain; charset=utf-8"


@never_cache
@require_GET
def download(request: HttpRequest, handle: str, list_name: str, fmt: str) -> HttpResponseBase:
    at, search = request.GET.get("at"), request.GET.get("q", "")
    if fmt != "excel":
        return _export(handle, list_name, fmt, at, search)
    # "Open in Excel": refuse a bad request here, then hand Excel a signed URL.
    resolved = _resolve(handle, list_name, "xlsx", at, search)
    if isinstance(resolved, HttpResponse):
        return resolved
    token = excel.sign(handle, list_name, at, search)
    return excel.open_in_excel(request.build_absolute_uri(reverse("exports:signed", args=[token])))


@login_not_required  # Excel has no session: a valid signature stands in for the login
@never_cache
@require_GET
def signed_download(request: HttpRequest, token: str) -> HttpResponseBase:
    try:
        wanted = excel.load(token)
    except signing.BadSignature:  # altered or expired: the owner's login is needed again
        return redirect_to_login(request.get_full_path())
    return _export(wanted["h"], wanted["l"], "xlsx", wanted["a"] or None, wanted["q"])


def _resolve(
    handle: str, list_name: str, fmt: str, at: str | None, search: str
) -> tuple[AccountList, files.Format] | HttpResponse:
    target = find_target(handle)
    if target is None:
        return HttpResponse(f"No tracked account @{handle.lstrip('@')}.\n", TEXT, status=404)
    try:
        return get_list(target, list_name, at=at, search=search), files.parse_format(fmt)
    except ListError as exc:
        return HttpResponse(f"{exc}\n", TEXT, status=400)


def _export(handle: str, list_name: str, fmt: str, at: str | None, search: str) -> HttpResponseBase:
    resolved = _resolve(handle, list_name, fmt, at, search)
    if isinstance(resolved, HttpResponse):
        return resolved
    return files.download(*resolved)
