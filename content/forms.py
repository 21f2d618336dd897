"""The scrape modal with "Posts and reels": scraping's form plus the content
part's options. The shell mounts scraping's modal view with this form
(igdash/urls.py); unticked, the form creates exactly the scrape scraping's own
form would."""

from __future__ import annotations

from typing import Any

from django import forms

from content import services
from content.services import MAX_POSTS
from scraping.forms import ScrapeForm
from scraping.models import Scrape
from scraping.services import ScrapeError

WINDOWS = [("all", "All"), ("last", "The last N"), ("since", "Since a date")]
POSTS_ONLY = "Posts and reels only"


class ContentScrapeForm(ScrapeForm):
    extra_template = "content/scrape_modal_fields.html"

    content = forms.BooleanField(
        label="Posts and reels",
        required=False,
        help_text="Also list the account's posts and reels, for the Content tab.",
    )
    content_window = forms.ChoiceField(
        label="Which posts", choices=WINDOWS, initial="all", required=False
    )
    posts = forms.IntegerField(
        label="Number of posts",
        required=False,
        min_value=1,
        max_value=MAX_POSTS,
        error_messages={"invalid": "Enter the number of posts as a whole number."},
    )
    since = forms.DateField(
        label="Posted since",
        required=False,
        error_messages={"invalid": "Enter the date as YYYY-MM-DD."},
    )
    fresh = forms.BooleanField(
        label="Fresh data",
        required=False,
        help_text="Ask Instagram again even if it answered for this account in the last day.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # "Posts and reels only": a scrape with no follower list (content implied).
        lists = self.fields["lists"]
        lists.choices = [*lists.choices, (Scrape.Lists.NONE, POSTS_ONLY)]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("lists") == Scrape.Lists.NONE:
            data["content"] = True  # no follower list: the posts are the scrape
        if not data.get("content"):
            return data
        window = data.get("content_window") or "all"
        if window == "last" and data.get("posts") is None and "posts" not in self.errors:
            self.add_error("posts", "Enter how many of the latest posts to list.")
        if window == "since" and data.get("since") is None and "since" not in self.errors:
            self.add_error("since", "Enter the date of the oldest post to list.")
        if window == "since" and data.get("since") is not None:
            try:
                services.content_options(None, data["since"])
            except ScrapeError as exc:
                self.add_error("since", str(exc))
        return data

    def create_scrape(self) -> Scrape:
        data = self.cleaned_data
        if not data.get("content"):
            return super().create_scrape()
        window = data.get("content_window") or "all"
        return services.create_scrape(
            data["handle"],
            lists=data["lists"],
            posts=data["posts"] if window == "last" else None,
            since=data["since"] if window == "since" else None,
            use_private_login=data["use_private_login"],
            fresh=bool(data.get("fresh")),
        )
