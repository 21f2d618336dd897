"""Content's pages: the scrape modal with "Posts and reels"."""

from __future__ import annotations

from django.http import HttpResponse

from content.forms import ContentScrapeForm
from core.htmx import HtmxHttpRequest
from scraping import views as scraping_views


def scrape_new(request: HtmxHttpRequest) -> HttpResponse:
    """scraping's modal (same template, same answers) with content's form."""
    return scraping_views.scrape_new(request, form_class=ContentScrapeForm)
