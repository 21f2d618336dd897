"""Downloads of a tracked account's lists (login required by the middleware)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseStopPolling

from core.heartbeat import worker_alive
from exports import files, jobs
from exports.excel_link import ExcelLink, open_in_excel
from exports.lists import AccountList, ListError, find_target, get_list
from exports.models import ExportJob
from exports.posts import content_list_names, get_content_export

TEXT = "text/plain; charset=utf-8"


@never_cache
@require_GET
def download(request: HttpRequest, handle: str, list_name: str, fmt: str) -> HttpResponseBase:
    at, search = request.GET.get("at"), request.GET.get("q", "")
    if list_name in content_list_names():
        return _content_export(handle, list_name, fmt, at)
    if fmt != "excel":
        resolved = _resolve(handle, list_name, fmt, at, search)
        if isinstance(resolved, HttpResponse):
            return resolved
        rows = jobs.in_background(*resolved)
        if rows is not None:  # too big for one request: a worker writes it
            try:
                job = jobs.start(*resolved, rows, request.user)
            except jobs.TooManyJobs as exc:  # a page with the way back, not bare text
                response = render(request, "exports/busy.html", {"message": str(exc)}, status=429)
                response["Retry-After"] = "30"
                return response
            return redirect("exports:job", job.pk)
        return files.download(*resolved)
    # "Open in Excel": refuse a bad request here, then hand Excel a signed URL.
    resolved = _resolve(handle, list_name, "xlsx", at, search)
    if isinstance(resolved, HttpResponse):
        return resolved
    token = ExcelLink(handle, list_name, at, search).sign()
    return open_in_excel(request.build_absolute_uri(reverse("exports:signed", args=[token])))


@login_not_required  # Excel has no session: a valid signature stands in for the login
@never_cache
@require_GET
def signed_download(request: HttpRequest, token: str) -> HttpResponseBase:
    try:
        wanted = ExcelLink.load(token)
    except signing.BadSignature:  # altered or expired: the owner's login is needed again
        return redirect_to_login(request.get_full_path())
    return _export(wanted.handle, wanted.list_name, "xlsx", wanted.at or None, wanted.search)


def _content_export(handle: str, list_name: str, fmt: str, at: str | None) -> HttpResponseBase:
    """Posts or hashtags: small enough (an account's posts, not its followers)
    to be written in the request, so no background job and no "Open in Excel"."""
    target = find_target(handle)
    if target is None:
        return HttpResponse(f"No tracked account @{handle.lstrip('@')}.\n", TEXT, status=404)
    try:
        export = get_content_export(target, list_name, at=at)
        return export.download(files.parse_format(fmt))
    except ListError as exc:
        return HttpResponse(f"{exc}\n", TEXT, status=400)


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


@never_cache
@require_GET
def job(request: HttpRequest, job_id: int) -> HttpResponse:
    """A background export: its progress, then its download link."""
    export = get_object_or_404(ExportJob.objects.select_related("target__user"), pk=job_id)
    return render(request, "exports/job.html", _job_context(export))


@never_cache
@require_GET
def job_progress_hx(request: HttpRequest, job_id: int) -> HttpResponse:
    export = get_object_or_404(ExportJob.objects.select_related("target__user"), pk=job_id)
    response = render(request, "exports/job.html#progress", _job_context(export))
    if not export.is_active:
        response.status_code = HttpResponseStopPolling.status_code  # 286: polling stops
    return response


@never_cache
@require_GET
def job_file(request: HttpRequest, job_id: int) -> HttpResponseBase:
    export = get_object_or_404(ExportJob, pk=job_id)
    if export.is_active:
        return HttpResponse("This export is still being written.\n", TEXT, status=409)
    path = jobs.file_of(export)
    if path is None:
        raise Http404("This export is gone: it failed or expired. Start it again.")
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=export.file_name,
        content_type=files.CONTENT_TYPES[files.Format(export.fmt)],
    )


def _job_context(export: ExportJob) -> dict[str, object]:
    # A queued job with no worker alive would wait forever without a word.
    idle = export.status == ExportJob.Status.QUEUED and not worker_alive()
    return {"job": export, "no_worker": idle}
