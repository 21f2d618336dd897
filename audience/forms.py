"""The scrape modal with "Comments": content's form (posts and reels) plus the
comments part's option. The shell mounts scraping's modal view with this form
(igdash/urls.py); unticked, it creates exactly the scrape content's form would."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from audience import services
from content import services as content_services
from content.forms import ContentScrapeForm
from scraping.models import Scrape


class AudienceScrapeForm(ContentScrapeForm):
    extra_template = "audience/scrape_modal_fields.html"

    comments = forms.BooleanField(
        label="Comments",
        required=False,
        help_text="Also list the comments of the latest posts, for the Audience tab.",
    )
    comment_posts = forms.IntegerField(
        label="Of the last N posts",
        required=False,
        min_value=1,
        max_value=services.MAX_POSTS,
        error_messages={"invalid": "Enter the number of posts as a whole number."},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("comments") and data.get("comment_posts") is None:
            data["comment_posts"] = settings.AUDIENCE_POSTS
        return data

    def create_scrape(self) -> Scrape:
        data = self.cleaned_data
        if not data.get("comments"):
            return super().create_scrape()
        content = None
        if data.get("content"):
            window = data.get("content_window") or "all"
            content = content_services.content_options(
                data["posts"] if window == "last" else None,
                data["since"] if window == "since" else None,
            )
        return services.create_scrape(
            data["handle"],
            posts=data["comment_posts"],
            lists=data["lists"],
            use_private_login=data["use_private_login"],
            content=content,
            fresh=bool(data.get("fresh")),
        )


class CloudClassifierForm(forms.Form):
    """Settings: the cloud picture classifier (Face++). The key and secret are
    never rendered back: empty fields keep the saved ones."""

    enabled = forms.BooleanField(
        label="Send the commenters' profile pictures to Face++", required=False
    )
    api_key = forms.CharField(label="Face++ API key", required=False, max_length=200)
    api_secret = forms.CharField(label="Face++ API secret", required=False, max_length=200)

    def __init__(self, *args: Any, saved: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.saved = saved

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        key, secret = data.get("api_key", ""), data.get("api_secret", "")
        if key and not secret:
            self.add_error("api_secret", "Give the API secret with the API key.")
        elif secret and not key:
            self.add_error("api_key", "Give the API key with the API secret.")
        elif data.get("enabled") and not (key or self.saved):
            self.add_error("api_key", "Switching Face++ on needs its API key and secret.")
        for name in ("api_key", "api_secret"):
            value = data.get(name, "")
            if value and any(ch.isspace() for ch in value):
                self.add_error(name, "Keys have no spaces: paste it again.")
        return data
