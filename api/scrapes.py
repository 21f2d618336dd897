"""Scrapes: start, list, read (status, progress, counts, delta), cancel, retry."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.http import HttpRequest
from ninja import Field as NField
from ninja import Query, Router, Status

from accounts_app.search import clean_term
from api import convert
from api.accounts import PageQuery
from api.auth import READ, WRITE
from api.errors import COMMON, BadRequest, Conflict, ErrorOut, NotFound
from api.schemas import (
    ScrapeId,
    ScrapeIn,
    ScrapeOut,
    ScrapePage,
)
from audience import services as audience_services
from content import services as content_services
from core.keyset import by_id
from scraping import scrape_pages
from scraping.models import Scrape
from scraping.services import (
    AlreadyActive,
    ScrapeError,
    cancel_scrape,
    create_scrape,
    retry_scrape,
)

router = Router(tags=["scrapes"])


class ScrapesQuery(PageQuery):
    account: str = NField("", max_length=64, description="only scrapes of this username")
    status: Scrape.Status | None = None


def scrape_out(scrape_id: ScrapeId) -> dict[str, Any]:
    progress = scrape_pages.progress(scrape_id)
    if progress is None:
        raise NotFound(f"There is no scrape #{scrape_id}.")
    return convert.scrape(progress)


def _lists(chosen: Sequence[str]) -> str:
    wanted = set(chosen)
    if wanted == {"followers", "following"}:
        return Scrape.Lists.BOTH
    if wanted == {"followers"}:
        return Scrape.Lists.FOLLOWERS
    if wanted == {"following"}:
        return Scrape.Lists.FOLLOWING
    return Scrape.Lists.NONE


@router.post("/scrapes", response={201: ScrapeOut, 409: ErrorOut, **COMMON}, auth=WRITE)
def start_scrape(request: HttpRequest, body: ScrapeIn) -> Status:
    """Start a scrape. 409 when the account already has one queued or running."""
    lists = _lists(body.lists)
    if lists == Scrape.Lists.NONE and not (body.content or body.comments):
        raise BadRequest(
            "Choose at least one of the lists followers and following, content or comments."
        )
    if body.comment_posts is not None and not body.comments:
        raise BadRequest("comment_posts goes with comments: true.")
    try:
        if body.comments:
            # With content, every post is listed; the comments are those of the
            # last comment_posts of them (the scrape modal's "all posts").
            window = content_services.content_options(None, None) if body.content else None
            scrape = audience_services.create_scrape(
                body.handle, posts=body.comment_posts, lists=lists, content=window
            )
        elif body.content:
            scrape = content_services.create_scrape(body.handle, lists=lists)
        else:
            scrape = create_scrape(body.handle, lists)
    except AlreadyActive as exc:
        raise Conflict(str(exc)) from None
    except ScrapeError as exc:
        raise BadRequest(str(exc)) from None
    return Status(201, scrape_out(scrape.pk))


@router.get("/scrapes", response={200: ScrapePage, **COMMON}, auth=READ)
def list_scrapes(request: HttpRequest, query: Query[ScrapesQuery]) -> dict[str, Any]:
    """Newest first."""
    qs = Scrape.objects.all()
    if query.account:
        name = clean_term(query.account).strip().removeprefix("@")
        qs = qs.filter(target_username__iexact=name)
    if query.status:
        qs = qs.filter(status=query.status)
    page = by_id(qs.only("pk"), query.cursor, query.limit)
    return {
        "items": [scrape_out(s.pk) for s in page.items],
        "next_cursor": page.next_cursor,
    }


@router.get("/scrapes/{scrape_id}", response={200: ScrapeOut, **COMMON}, auth=READ)
def get_scrape(request: HttpRequest, scrape_id: ScrapeId) -> dict[str, Any]:
    return scrape_out(scrape_id)


def _known(scrape_id: ScrapeId) -> None:
    if not Scrape.objects.filter(pk=scrape_id).exists():
        raise NotFound(f"There is no scrape #{scrape_id}.")


@router.post(
    "/scrapes/{scrape_id}/cancel",
    response={200: ScrapeOut, 409: ErrorOut, **COMMON},
    auth=WRITE,
)
def cancel(request: HttpRequest, scrape_id: ScrapeId) -> dict[str, Any]:
    """Stop an active scrape; nothing it fetched is kept. 409 when it is not active."""
    _known(scrape_id)
    try:
        cancel_scrape(scrape_id)
    except ScrapeError as exc:
        raise Conflict(str(exc)) from None
    return scrape_out(scrape_id)


@router.post(
    "/scrapes/{scrape_id}/retry", response={200: ScrapeOut, 409: ErrorOut, **COMMON}, auth=WRITE
)
def retry(request: HttpRequest, scrape_id: ScrapeId) -> dict[str, Any]:
    """Run a scrape that needs attention again, from its checkpoint. 409 otherwise."""
    _known(scrape_id)
    try:
        retry_scrape(scrape_id)
    except ScrapeError as exc:
        raise Conflict(str(exc)) from None
    return scrape_out(scrape_id)
