"""The scrape modal's form."""

from __future__ import annotations

from django import forms

from scraping import services
from scraping.handles import InvalidHandle, parse_handle
from scraping.models import Scrape


class ScrapeForm(forms.Form):
    # A template of more fields, rendered below the lists (an app above scraping
    # subclasses the form: content adds "Posts and reels"); "" for none.
    extra_template = ""

    handle = forms.CharField(
        label="Instagram account",
        # No max_length: its "at most 300 characters" would stand in for the handle
        # rule (1-30 characters, ...) that parse_handle gives every bad handle.
        error_messages={"required": "Enter an Instagram username, @name or profile URL."},
        help_text="@name, name or a profile address such as instagram.com/name",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    lists = forms.ChoiceField(
        label="Lists to fetch",
        choices=[c for c in Scrape.Lists.choices if c[0] != Scrape.Lists.NONE],
        initial=Scrape.Lists.BOTH,
        widget=forms.RadioSelect,
    )
    use_private_login = forms.BooleanField(
        label="Use a private login if needed",
        required=False,
        initial=True,
        help_text="Private accounts and the fallback when the web API refuses.",
    )

    def clean_handle(self) -> str:
        try:
            return parse_handle(self.cleaned_data["handle"])
        except InvalidHandle as exc:
            raise forms.ValidationError(str(exc)) from None

    def create_scrape(self) -> Scrape:
        """The scrape the valid form asks for (a subclass adds its parts).
        Raises services.ScrapeError (and AlreadyActive) with the reason."""
        return services.create_scrape(
            self.cleaned_data["handle"],
            self.cleaned_data["lists"],
            Scrape.Trigger.MANUAL,
            self.cleaned_data["use_private_login"],
        )
