"""No input answers 5xx (issue #15, point 6): every route of the URLconf, its path
filled with real objects, is asked by the owner with hostile values in every
query parameter igdash reads: NUL and control characters, lone surrogates,
10,000 characters, Infinity/NaN, negative and huge numbers, FTS5 syntax, and
base64 of arbitrary JSON for the cursors.

The parameter names are found in the source (request.GET.get / params.get /
form.value), so a new one is walked without editing this file.

Hypothesis runs derandomized with few examples (conftest.py's "igdash" profile:
the same examples in CI and on every machine, ~15 s). A longer random search:
`pytest igdash/tests/test_hostile_queries.py --hypothesis-profile=explore`.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from accounts_app.models import IgUser, LoginCredential
from accounts_app.tests import factories
from content.models import Post
from core.models import WorkerPing
from exports.excel_link import ExcelLink
from exports.models import ExportJob
from igdash.testing.project import packages
from igdash.testing.urlconf import Route, routes
from notify.models import Channel, Event
from scraping.models import Scrape

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SOURCES = packages()
# request.GET.get("q"), params.get("cursor"), self.value("tab", ...) (the account page's form).
READS = re.compile(
    r"""(?:request\.GET\.get(?:list)?|params\.get|\.value)\(\s*["'](\w+)["']"""
    r"""|request\.GET\[\s*["'](\w+)["']"""
)
# Django's admin reads its own: search, order, page, errors, popups, the "to field".
ADMIN_PARAMS = ["q", "o", "p", "e", "all", "_popup", "_to_field", "_changelist_filters"]


def read_parameters() -> set[str]:
    found: set[str] = set()
    for app in SOURCES:
        for source in (ROOT / app).rglob("*.py"):
            if "tests" not in source.parts and "simulator" not in source.parts:
                for call, item in READS.findall(source.read_text(encoding="utf-8")):
                    found.add(call or item)
    return found


PARAMS = sorted(read_parameters())
CURSORS = [name for name in PARAMS if "cursor" in name]

# Each value packs several hostilities, so a sweep of a few requests covers them.
HOSTILE = [
    "ab\x00cd",  # NUL inside a term long enough for trigrams
    "abc\x00\x1b\x7f",  # NUL and other control characters at the end
    "x\ud800y",  # a lone surrogate, sent as its (invalid) UTF-8 bytes
    "a" * 10_000,
    "Infinity",
    "NaN",
    "-1",
    str(2**63),  # one above the largest 64-bit integer
    "-" + "9" * 30,
    "1e309",
    '"a" OR b* NEAR(',  # FTS5 syntax
    "'%_\\@#1 ^ab",  # LIKE wildcards, escapes, quotes
    "\u202e😀<script>",
    "",
]


def _b64(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


# Cursors as a crafted link would carry them: base64 of JSON of the right shape
# ([value, id]) with the wrong types, and plain ids out of range.
HOSTILE_CURSORS = [
    _b64(["a", float("inf")]),
    _b64([None, 1]),
    _b64(["a", 2**70]),
    _b64([1, 1]),
    _b64(["a\x00", True]),
    _b64(["\ud800", 1]),
    _b64({"a": [1.5]}),
    _b64([[], -1, 3]),
    str(2**63),
    "-1",
    "abc",
    "\x00",
    "=" * 5,
    "9" * 5000,
]
ADMIN_VALUES = HOSTILE[:8]


def sweep(names: list[str], cursors: list[str]) -> list[dict[str, str]]:
    """A Latin square: request i gives parameter j value (i + j) mod n, so
    every parameter meets every hostile value in len(HOSTILE) requests."""
    n = len(HOSTILE)
    return [
        {
            name: (HOSTILE_CURSORS if name in cursors else HOSTILE)[(i + j) % n]
            for j, name in enumerate(names)
        }
        for i in range(n)
    ]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
# A [value, id] pair, the shape of a real by_field cursor, reaches the type checks.
pairs = st.tuples(json_values, json_values).map(list)


values = (
    st.sampled_from(HOSTILE)
    | st.text(max_size=30)
    | st.integers(min_value=-(2**80), max_value=2**80).map(str)
)
cursor_values = values | (json_values | pairs).map(_b64)


def _query(chosen: dict[str, str]) -> str:
    # errors="surrogatepass": a lone surrogate goes out as the bytes a hostile
    # client would send (the test client's own encoding would refuse it).
    return "&".join(
        f"{quote(name)}={quote(value, safe='', errors='surrogatepass')}"
        for name, value in chosen.items()
    )


def queries(names: list[str]) -> st.SearchStrategy[dict[str, str]]:
    return st.fixed_dictionaries(
        {name: cursor_values if name in CURSORS else values for name in names}
    )


class World:
    """Real objects for every path parameter."""

    def __init__(self) -> None:
        self.owner = User.objects.create_superuser("owner", "", "pw")
        self.target = factories.tracked("alice", followers=4, following=2, mutual=1, days=2)
        self.scrape = Scrape.objects.filter(target=self.target).latest("id")
        self.login = LoginCredential.objects.create(username="owner.login", status="ok")
        self.ping = WorkerPing.objects.create()
        self.job = ExportJob.objects.create(target=self.target, list_name="followers", fmt="xlsx")
        self.post = Post.objects.create(
            target=self.target,
            ig_pk=1,
            shortcode="C1",
            product_type="feed",
            media_type=1,
            taken_at=self.scrape.created_at,
            first_seen=self.scrape,
        )
        # The sealed URL is never opened by a GET: any bytes stand for it here.
        self.channel = Channel.objects.create(name="Phone", url_enc=b"x", url_hint="json")
        self.event = Event.objects.create(key="k", kind="digest", text="@alice daily digest")

    def fill(self, route: Route, name: str, kind: str) -> str:
        fixed = {
            "username": "alice",
            "handle": "alice",
            "list_name": "followers",
            "fmt": "csv",
            "token": ExcelLink("alice", "followers", None, "").sign(),
            "scrape_id": str(self.scrape.pk),
            "login_id": str(self.login.pk),
            "ping_id": str(self.ping.pk),
            "job_id": str(self.job.pk),
            "post_id": str(self.post.pk),
            "user_id": str(self.target.user_id),
            "account_id": str(self.target.pk),
            "channel_id": str(self.channel.pk),
            "event_id": str(self.event.pk),
            "id": str(self.owner.pk),
            "content_type_id": str(ContentType.objects.get_for_model(IgUser).pk),
            "url": "nowhere/",
        }
        if name == "app_label":
            return kind.split("|")[0]
        if name == "object_id":
            return self._object_id(route)
        return fixed[name]

    def _object_id(self, route: Route) -> str:
        parts = route.route.split("/")
        if parts[1] == "r":  # the admin's "view on site": r/<content type>/<object>/
            return str(self.target.user_id)
        model = apps.get_model(parts[1], parts[2])
        first = model._default_manager.order_by("pk").first()
        return str(first.pk) if first is not None else "1"


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def owner_client(client: Client, world: World) -> Client:
    client.force_login(world.owner)
    return client


def _check(client: Client, url: str, query: dict[str, str], htmx: bool) -> None:
    headers = {"HX-Request": "true"} if htmx else {}
    full = f"{url}?{_query(query)}" if query else url
    # The test client re-raises a view's exception: a 500 fails here with its traceback.
    response = client.get(full, headers=headers)
    if response.status_code >= 500:
        # /health answers 503 while no worker runs: the state, not the input.
        plain = client.get(url, headers=headers).status_code
        assert response.status_code == plain, (full[:300], response.status_code, plain)


PROJECT_ROUTES = [r for r in routes() if not r.is_admin]
ADMIN_ROUTES = [r for r in routes() if r.is_admin]


def test_the_parameters_are_found_in_the_source() -> None:
    # The discovery itself must not silently find nothing.
    assert {"q", "cursor", "handle", "account", "at", "tab", "show"} <= set(PARAMS)
    assert "cursor" in CURSORS
    assert len(HOSTILE_CURSORS) == len(HOSTILE)  # the sweep's square
    assert len(PROJECT_ROUTES) > 25 and len(ADMIN_ROUTES) > 100


def _with_sweep(test):  # type: ignore[no-untyped-def]
    """The sweep as explicit examples (run first, on every run), then
    Hypothesis's own search (the profile's max_examples)."""
    for i, query in enumerate(sweep(PARAMS, CURSORS)):
        test = example(query=query, htmx=bool(i % 2))(test)
    return test


@pytest.mark.parametrize("route", PROJECT_ROUTES, ids=lambda r: r.name)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(query=queries(PARAMS), htmx=st.booleans())
@_with_sweep
def test_no_query_makes_a_page_answer_5xx(
    owner_client: Client, world: World, route: Route, query: dict[str, str], htmx: bool
) -> None:
    _check(owner_client, route.url(world.fill), query, htmx)


def test_every_admin_page_survives_the_hostile_values(owner_client: Client, world: World) -> None:
    """The admin's ~144 routes (Django's code: no search needed, and it is
    slow to render), each asked twice, every parameter it or igdash reads
    holding a hostile value, a different one each time."""
    names = sorted({*PARAMS, *ADMIN_PARAMS})
    for route in ADMIN_ROUTES:
        url = route.url(world.fill)
        for turn in range(2):
            query = {
                name: ADMIN_VALUES[(turn * 3 + i) % len(ADMIN_VALUES)]
                for i, name in enumerate(names)
            }
            _check(owner_client, url, query, htmx=False)
