"""The account page: which list to show (tabs and filters), its rows a page at a
time, the charts and the scrape history.

Lists themselves come from exports/lists.py (the same lists the exports
download, so the screen and the file always agree). The page adds substring
search through accounts_app/search.py and keyset paging newest-first by
relationship id, which the (target, direction, ended_by) index serves without
sorting: a page costs the same at 10 followers and at 1M. The number of queries
does not depend on the size of the lists (igdash/tests/test_account_page.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts_app.models import TrackedAccount
from accounts_app.search import clean_term
from content.models import Post
from core.keyset import Page, by_id
from exports.lists import AccountList, ListName, matching_edges
from scraping.models import Relationship, Scrape, ScrapeList, ScrapeStats

PAGE_SIZE = 50
HISTORY_SIZE = 100
HISTORY_SHOWN = 10
TIMELINE_POINTS = 365
FINISHED = (Scrape.Status.SUCCEEDED, Scrape.Status.PARTIAL)

TABS = [("followers", "Followers"), ("following", "Following"), ("mutuals", "Mutuals")]
SHOW_CHOICES = {
    "followers": [
        ("all", "Everyone"),
        ("new", "Only new"),
        ("lost", "Only lost"),
        ("not_followed_back", "Not followed back"),
    ],
    "following": [
        ("all", "Everyone"),
        ("new", "Only new"),
        ("lost", "Only lost"),
        ("not_following_back", "Not following back"),
    ],
    "mutuals": [("all", "Everyone")],
}
ALL_SHOW = {value: label for choices in SHOW_CHOICES.values() for value, label in choices}
LIST_NAMES = {
    ("followers", "all"): ListName.FOLLOWERS,
    ("followers", "new"): ListName.NEW,
    ("followers", "lost"): ListName.LOST,
    ("followers", "not_followed_back"): ListName.NOT_FOLLOWED_BACK,
    ("following", "all"): ListName.FOLLOWING,
    ("following", "new"): ListName.NEW_FOLLOWING,
    ("following", "lost"): ListName.LOST_FOLLOWING,
    ("following", "not_following_back"): ListName.NOT_FOLLOWING_BACK,
    ("mutuals", "all"): ListName.MUTUALS,
}
EXPORT_LISTS = [
    (ListName.FOLLOWERS, "Followers"),
    (ListName.FOLLOWING, "Following"),
    (ListName.MUTUALS, "Mutuals"),
    (ListName.NEW, "New followers"),
    (ListName.LOST, "Lost followers"),
    (ListName.NEW_FOLLOWING, "Newly followed"),
    (ListName.LOST_FOLLOWING, "No longer followed"),
    (ListName.NOT_FOLLOWING_BACK, "Not following back"),
    (ListName.NOT_FOLLOWED_BACK, "Not followed back"),
]
EXPORT_FORMATS = [("csv", "CSV"), ("xlsx", "Excel (XLSX)"), ("json", "JSON")]
CONTENT_FORMATS = [("csv", "CSV"), ("xlsx", "XLSX"), ("json", "JSON")]


def scrape_label(scrape: Scrape) -> str:
    when = timezone.localtime(scrape.finished_at or scrape.created_at)
    return f"#{scrape.pk} · {when:%Y-%m-%d %H:%M %Z}"


class ListFilterForm(forms.Form):
    """Tab and filters of the account page. Unknown values are errors shown next
    to the field (and the list falls back to everyone, as of now)."""

    tab = forms.ChoiceField(choices=TABS, required=False)
    show = forms.ChoiceField(choices=list(ALL_SHOW.items()), required=False, label="Show")
    q = forms.CharField(max_length=64, required=False, label="Search")
    at = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="As of scrape")

    def __init__(self, data: Any, *, scrapes: list[Scrape]) -> None:
        super().__init__(data)
        self.fields["at"].choices = [("", "Latest")] + [  # type: ignore[attr-defined]  # a ChoiceField; fields[] is typed Field
            (str(s.pk), scrape_label(s)) for s in scrapes if s.status in FINISHED
        ]
        self.scrapes = {s.pk: s for s in scrapes}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        tab = data.get("tab") or "followers"
        show = data.get("show") or "all"
        if "show" not in self.errors and (tab, show) not in LIST_NAMES:
            self.add_error("show", f"“{ALL_SHOW[show]}” is not available on the {tab} tab.")
        return data

    def value(self, name: str, default: Any) -> Any:
        """The clean value, or `default` when it is missing or invalid (fields
        with errors are not in cleaned_data)."""
        self.is_valid()
        return self.cleaned_data.get(name) or default

    @property
    def current_tab(self) -> str:
        return str(self.value("tab", "followers"))

    @property
    def current_show(self) -> str:
        show = str(self.value("show", "all"))
        return show if (self.current_tab, show) in LIST_NAMES else "all"

    @property
    def term(self) -> str:
        return clean_term(self.value("q", ""))

    @property
    def current_at(self) -> Scrape | None:
        at = self.value("at", None)
        return self.scrapes.get(at) if at else None

    @property
    def list_name(self) -> ListName:
        return LIST_NAMES[(self.current_tab, self.current_show)]

    @property
    def show_choices(self) -> list[tuple[str, str]]:
        return SHOW_CHOICES[self.current_tab]

    def params(self, **changes: object) -> str:
        """The query string of this view, with `changes` (None drops a key)."""
        values: dict[str, object] = {
            "tab": self.current_tab,
            "show": self.current_show,
            "q": self.term,
            "at": self.current_at.pk if self.current_at else None,
        }
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v not in (None, "", "all")})


def history(target: TrackedAccount) -> list[Scrape]:
    return list(
        Scrape.objects.filter(target=target).select_related("stats").order_by("-id")[:HISTORY_SIZE]
    )


def relationships(target: TrackedAccount, form: ListFilterForm, cursor: str | None) -> Page[Any]:
    """One page of the chosen list, newest edges first."""
    edges = AccountList(target, form.list_name, form.current_at).relationships()
    if form.term:
        edges, cursor = matching_edges(edges, form.term, cursor)
    edges = edges.select_related("user", "first_seen", "ended_by")
    return by_id(edges, cursor, PAGE_SIZE)


def timeline_chart(target: TrackedAccount) -> dict[str, object]:
    rows = list(
        ScrapeStats.objects.filter(target=target)
        .order_by("-taken_at")
        .values_list("taken_at", "followers", "following")[:TIMELINE_POINTS]
    )
    rows.reverse()
    return {
        "kind": "timeline",
        "datasets": [
            {
                "label": "Followers",
                "data": [{"x": t.isoformat(), "y": f} for t, f, _ in rows if f is not None],
            },
            {
                "label": "Following",
                "data": [{"x": t.isoformat(), "y": g} for t, _, g in rows if g is not None],
            },
        ],
    }


def follow_back_chart(scrapes: list[Scrape]) -> dict[str, object] | None:
    """The latest follow-back figures (only known once both lists were complete)."""
    for scrape in scrapes:
        stats = getattr(scrape, "stats", None)
        if stats is not None and stats.mutuals is not None:
            values = [stats.mutuals, stats.not_following_back, stats.not_followed_back]
            names = ["Mutuals", "They don't follow back", "Not followed back"]
            return {
                "kind": "followback",
                # The legend carries the counts: a donut alone shows shares only.
                "labels": [
                    f"{name}: {value or 0:,}" for name, value in zip(names, values, strict=True)
                ],
                "values": values,
                "taken_at": stats.taken_at.isoformat(),
            }
    return None


def export_url_template(handle: str) -> str | None:
    """exports:download with LIST and FMT placeholders, filled in by the panel."""
    try:
        return reverse("exports:download", args=[handle, "LIST", "FMT"])
    except NoReverseMatch:
        return None


@dataclass(frozen=True)
class AccountPage:
    target: TrackedAccount
    form: ListFilterForm
    rows: Page[Relationship]
    scrapes: list[Scrape]
    active: Scrape | None
    timeline: dict[str, object]
    follow_back: dict[str, object] | None
    export_url: str | None

    export_lists = EXPORT_LISTS
    export_formats = EXPORT_FORMATS

    @property
    def tabs(self) -> list[tuple[tuple[str, str], str]]:
        """((tab, its query string), label): a tab keeps the search and the
        point in time, and starts over at everyone."""
        return [((value, self.form.params(tab=value, show=None)), label) for value, label in TABS]

    @property
    def has_timeline(self) -> bool:
        return any(dataset["data"] for dataset in self.timeline["datasets"])  # type: ignore[attr-defined]  # timeline_chart() JSON, typed object

    @property
    def active_progress(self) -> Any:
        from scraping.scrape_pages import progress

        return progress(self.active.pk) if self.active else None

    @property
    def partial_note(self) -> tuple[Scrape, list[str]] | None:
        """The latest finished scrape when it got only part of a list, with
        each such list's reason in plain words (ScrapeList.plain_reason): the
        counts on the page come from the profile, so the owner is told why the
        lists and the chart do not match them."""
        latest = next(iter(self.finished), None)
        if latest is None or latest.status != Scrape.Status.PARTIAL:
            return None
        parts = ScrapeList.objects.filter(scrape=latest, complete=False).order_by("direction")
        reasons = [part.plain_reason() for part in parts]
        return (latest, reasons) if reasons else None

    @property
    def list_description(self) -> str:
        return describe(self.target, self.form)

    @property
    def recent(self) -> list[Scrape]:
        return self.scrapes[:HISTORY_SHOWN]

    @property
    def finished(self) -> list[Scrape]:
        return [s for s in self.scrapes if s.status in FINISHED]

    @property
    def next_url(self) -> str | None:
        if self.rows.next_cursor is None:
            return None
        return self.form.params(cursor=self.rows.next_cursor)

    @cached_property
    def content_exports(self) -> list[tuple[str, str]]:
        """(label, href) of the posts and hashtag exports (exports/posts.py),
        once a content scrape has stored posts; "As of" and the search do not
        apply to them (the command's --at does)."""
        if self.export_url is None or not Post.objects.filter(target=self.target).exists():
            return []
        links = [("posts", fmt, f"Posts {label}") for fmt, label in CONTENT_FORMATS]
        links += [("hashtags", fmt, f"Hashtags {label}") for fmt, label in CONTENT_FORMATS]
        return [
            (label, self.export_url.replace("LIST", name).replace("FMT", fmt))
            for name, fmt, label in links
        ]

    @property
    def excel_href(self) -> str | None:
        return self.export_href("excel")

    def export_href(self, fmt: str = "csv") -> str | None:
        if self.export_url is None:
            return None
        url = self.export_url.replace("LIST", self.form.list_name).replace("FMT", fmt)
        at = self.form.current_at.pk if self.form.current_at else None
        query = urlencode({k: v for k, v in {"at": at, "q": self.form.term}.items() if v})
        return f"{url}?{query}" if query else url


DESCRIPTIONS = {
    ListName.FOLLOWERS: "Everyone who follows @{name}",
    ListName.FOLLOWING: "Everyone @{name} follows",
    ListName.MUTUALS: "People who follow @{name} and whom @{name} follows",
    ListName.NEW: "New followers",
    ListName.LOST: "Followers who left",
    ListName.NEW_FOLLOWING: "Accounts @{name} started following",
    ListName.LOST_FOLLOWING: "Accounts @{name} stopped following",
    ListName.NOT_FOLLOWING_BACK: "Accounts @{name} follows that do not follow back",
    ListName.NOT_FOLLOWED_BACK: "Followers @{name} does not follow back",
}


def describe(target: TrackedAccount, form: ListFilterForm) -> str:
    text = DESCRIPTIONS[form.list_name].format(name=target.user.username)
    at = form.current_at
    if form.list_name in (
        ListName.NEW,
        ListName.LOST,
        ListName.NEW_FOLLOWING,
        ListName.LOST_FOLLOWING,
    ):
        text += f" in scrape #{at.pk}" if at else " in the latest scrape"
    elif at:
        text += f", as scrape #{at.pk} saw it"
    text += ", newest first"
    return text + (f", matching “{form.term}”." if form.term else ".")


def account_page(target: TrackedAccount, params: Any) -> AccountPage:
    scrapes = history(target)
    form = ListFilterForm(params, scrapes=scrapes)
    form.is_valid()
    return AccountPage(
        target=target,
        form=form,
        rows=relationships(target, form, params.get("cursor")),
        scrapes=scrapes,
        active=next((s for s in scrapes if s.is_active), None),
        timeline=timeline_chart(target),
        follow_back=follow_back_chart(scrapes),
        export_url=export_url_template(target.user.username),
    )


def rows_page(target: TrackedAccount, params: Any) -> tuple[ListFilterForm, Page[Relationship]]:
    """The next page only (infinite scroll): no charts, no history beyond the
    choices the filter needs."""
    form = ListFilterForm(params, scrapes=history(target))
    form.is_valid()
    return form, relationships(target, form, params.get("cursor"))
