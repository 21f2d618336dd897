"""Content's pages: the Content tab of an account, the page of a post, post
thumbnails (served behind the login, like avatars: never a public media file),
and the scrape modal with "Posts and reels"."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from content import pages, thumbnails
from content.forms import ContentScrapeForm
from content.models import Post
from core.htmx import HtmxHttpRequest
from core.http import is_partial, page_or_rows
from scraping import views as scraping_views

TEMPLATE = "content/content_tab.html"
PLACEHOLDER = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
    '<rect width="64" height="64" fill="#cbd5e1"/>'
    '<path d="M16 44l10-12 8 9 6-7 8 10z" fill="#64748b"/>'
    '<circle cx="24" cy="24" r="5" fill="#64748b"/></svg>'
)


@require_GET
def content_tab(request: HttpRequest, username: str, rows: bool = False) -> HttpResponse:
    """The Content tab, or the next rows of its posts list (HTMX, or the
    /accounts/<username>/content/rows/ URL)."""
    target = pages.get_target(username)
    if not (rows or is_partial(request)):
        return page_or_rows(request, TEMPLATE, {"tab": pages.content_tab(target, request.GET)})
    filters, page = pages.rows_page(target, request.GET)
    next_url = filters.params(cursor=page.next_cursor) if page.next_cursor else None
    context = {"target": target, "filters": filters, "rows": page.rows, "next_url": next_url}
    return page_or_rows(request, TEMPLATE, context, rows=True)


@require_GET
def content_analytics(request: HttpRequest, username: str) -> HttpResponse:
    """The tab's analytics blocks: the fragment the tab loads after its first
    answer (HTMX), or a page of their own (a plain link, no script)."""
    target = pages.get_target(username)
    context = {"a": pages.content_analytics(target, request.GET)}
    template = "content/_analytics.html" if is_partial(request) else "content/analytics.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
def post_detail(request: HttpRequest, username: str, post_id: int) -> HttpResponse:
    target = pages.get_target(username)
    return render(request, "content/post_detail.html", {"p": pages.post_page(target, post_id)})


@require_GET
def thumbnail(request: HttpRequest, post_id: int) -> HttpResponseBase:
    post = get_object_or_404(Post.objects.only("id", "thumbnail"), pk=post_id)
    found = thumbnails.cached(post)
    if found is not None:
        path, content_type = found
        response: HttpResponseBase = FileResponse(path.open("rb"), content_type=content_type)
        response["Cache-Control"] = "private, max-age=86400"
        return response
    response = HttpResponse(PLACEHOLDER, content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=300"  # the next scrape may cache it
    return response


def scrape_new(request: HtmxHttpRequest) -> HttpResponse:
    """scraping's modal (same template, same answers) with content's form."""
    return scraping_views.scrape_new(request, form_class=ContentScrapeForm)
