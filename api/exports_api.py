"""Exports through the API: the same lists as the account page's export panel,
streamed as CSV or JSON (flat memory at any size), XLSX in the answer up to
EXPORT_BACKGROUND_ROWS rows and as a background job beyond (202 with the
job; poll it, then download its file)."""

from __future__ import annotations

from typing import Any, Literal

from django.http import FileResponse, HttpRequest
from django.http.response import HttpResponseBase
from ninja import Field as NField
from ninja import Query, Router, Schema, Status

from api.accounts import account_list, target_of
from api.auth import READ
from api.errors import COMMON, Conflict, ErrorOut, NotFound, Throttled
from api.schemas import ExportJobOut, JobId, ListNameIn, Username
from exports import files, jobs
from exports.models import ExportJob

router = Router(tags=["exports"])

XLSX = files.CONTENT_TYPES[files.Format.XLSX]
EXPORT_200 = {
    "description": "The whole list, streamed.",
    "content": {
        "text/csv": {"schema": {"type": "string"}},
        "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
        XLSX: {"schema": {"type": "string", "format": "binary"}},
    },
}
FILE_200 = {
    "description": "The export's file.",
    "content": {
        "text/csv": {"schema": {"type": "string"}},
        "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
        XLSX: {"schema": {"type": "string", "format": "binary"}},
    },
}


class ExportQuery(Schema):
    format: Literal["csv", "json", "xlsx"] = "csv"
    at: int | None = NField(None, ge=1, le=2**63 - 1, description="a finished scrape's id")
    q: str = NField("", max_length=200, description="part of a username or full name")


def job_out(job: ExportJob) -> dict[str, Any]:
    done = job.status == ExportJob.Status.DONE and jobs.file_of(job) is not None
    return {
        "id": job.pk,
        "status": job.status,
        "rows_done": job.rows_done,
        "rows_total": job.rows_total,
        "file_name": job.file_name,
        "error": job.error,
        "download_url": f"/api/v1/exports/{job.pk}/file" if done else None,
    }


@router.get(
    "/accounts/{username}/exports/{list_name}",
    response={202: ExportJobOut, **COMMON},
    auth=READ,
    openapi_extra={"responses": {"200": EXPORT_200}},
)
def export_list(
    request: HttpRequest, username: Username, list_name: ListNameIn, query: Query[ExportQuery]
) -> Any:
    """The list as a file. A big XLSX answers 202 with a background job."""
    chosen = account_list(target_of(username), list_name, query.at, query.q)
    fmt = files.Format(query.format)
    rows = jobs.in_background(chosen, fmt)
    if rows is not None:
        try:
            return Status(202, job_out(jobs.start(chosen, fmt, rows)))
        except jobs.TooManyJobs as exc:
            raise Throttled(str(exc), retry_after=30) from None
    return files.download(chosen, fmt)


def _job(job_id: JobId) -> ExportJob:
    job = ExportJob.objects.filter(pk=job_id).first()
    if job is None:
        raise NotFound(f"There is no export #{job_id}.")
    return job


@router.get("/exports/{job_id}", response={200: ExportJobOut, **COMMON}, auth=READ)
def export_job(request: HttpRequest, job_id: JobId) -> dict[str, Any]:
    return job_out(_job(job_id))


@router.get(
    "/exports/{job_id}/file",
    response={409: ErrorOut, **COMMON},
    auth=READ,
    openapi_extra={"responses": {"200": FILE_200}},
)
def export_file(request: HttpRequest, job_id: JobId) -> HttpResponseBase:
    job = _job(job_id)
    if job.is_active:
        raise Conflict("This export is still being written; poll it until its status is done.")
    path = jobs.file_of(job)
    if path is None:
        raise NotFound("This export is gone: it failed or expired. Start it again.")
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=job.file_name,
        content_type=files.CONTENT_TYPES[files.Format(job.fmt)],
    )
