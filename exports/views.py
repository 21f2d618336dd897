"""Downloads of a tracked account's lists (login required by the middleware)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from exports import files
from exports.lists import ListError, find_target, get_list

TEXT = "text/plain; charset=utf-8"


@never_cache
@require_GET
def download(request: HttpRequest, handle: str, list_name: str, fmt: str) -> HttpResponseBase:
    target = find_target(handle)
    if target is None:
        return HttpResponse(f"No tracked account @{handle.lstrip('@')}.\n", TEXT, status=404)
    try:
        export_format = files.parse_format(fmt)
        account_list = get_list(
            target, list_name, at=request.GET.get("at"), search=request.GET.get("q", "")
        )
    except ListError as exc:
        return HttpResponse(f"{exc}\n", TEXT, status=400)
    return files.download(account_list, export_format)
