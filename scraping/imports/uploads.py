"""The account page's upload: the size limit, checked before Django reads the body."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from scraping.imports.archive import MB, Source


def too_large(request: HttpRequest) -> str | None:
    """Why the upload is refused by its size, or None. Django reads no more than
    Content-Length (a request without one has an empty body), so checking it
    before anything touches request.POST/FILES bounds the temporary files too."""
    limit_mb = settings.IMPORT_MAX_UPLOAD_MB
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= limit_mb * MB:
        return None
    return (
        f"The upload is {length / MB:,.0f} MB; at most {limit_mb:,} MB are accepted "
        "(IGDASH_IMPORT_MAX_UPLOAD_MB). An export with only \u201cFollowers and following\u201d "
        "selected is a few MB; or run `igdash import_instagram_export` on the server."
    )


def sources(request: HttpRequest) -> list[Source]:
    return [Source(upload.name or "upload", upload) for upload in request.FILES.getlist("files")]
