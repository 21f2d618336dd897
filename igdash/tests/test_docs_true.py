"""Texts that state a number say the true one (issue 16: "four queries" that were
three, "four" silenced checks that were five)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from accounts_app.tests import factories
from igdash import dashboard
from igdash.account_pages.accounts import list_page, sparklines
from scraping.models import Scrape

ROOT = Path(__file__).resolve().parents[2]
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}


def _stated_number(text: str, pattern: str) -> int:
    match = re.search(pattern, text, re.IGNORECASE)
    assert match, f"no {pattern!r} in the text"
    return NUMBERS[match.group(1).lower()]


@pytest.mark.django_db
@pytest.mark.parametrize("accounts", [0, 3])
def test_kpis_runs_the_number_of_queries_its_docstring_says(
    accounts: int,
    django_assert_num_queries: Any,
) -> None:
    for number in range(accounts):
        target = factories.tracked(f"user{number}", followers=5, following=2, days=2)
        factories.scrape(target, status=Scrape.Status.RUNNING)
    stated = _stated_number(dashboard.kpis.__doc__ or "", r"^\s*(\w+) queries")
    with django_assert_num_queries(stated):
        kpis = dashboard.kpis()
        # The running scrapes' targets come with them (select_related), no query each.
        assert len({scrape.target.user.username for scrape in kpis.running}) == accounts


def _silenced_checks_in_settings() -> set[str]:
    text = (ROOT / "igdash" / "settings.py").read_text(encoding="utf-8")
    block = text[text.index("SILENCED_SYSTEM_CHECKS") :].split("\n\n", 1)[0]
    return set(re.findall(r"security\.W\d{3}", block))


def test_readme_counts_and_names_every_silenced_check() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Security checks") :].split("\n## ", 1)[0]
    named = set(re.findall(r"W\d{3}", section))
    silenced = {code.removeprefix("security.") for code in _silenced_checks_in_settings()}
    assert named == silenced
    stated = _stated_number(section, r"(\w+) of\s+Django's (?:HTTPS|deploy(?:ment)?) checks")
    assert stated == len(silenced)


def test_every_table_row_of_the_docs_belongs_to_a_table() -> None:
    # A blank line inside a Markdown table ends it: the rows after it render as a
    # paragraph of pipes (README's IGDASH_RATE_LIMITS row did).
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        lines = path.read_text(encoding="utf-8").splitlines()
        in_code = False
        block: list[str] = []
        for line in [*lines, ""]:
            if line.lstrip().startswith("```"):
                in_code = not in_code
            if not in_code and line.startswith("|"):
                block.append(line)
                continue
            if block:
                assert len(block) >= 2 and re.match(r"^\|\s*:?-{3,}", block[1]), (
                    f"{path.name}: a table row without its header: {block[0]!r}"
                )
            block = []


@pytest.mark.django_db
@pytest.mark.parametrize(("term", "hits"), [("ali", 4), ("al", 4), ("zz", 0)])
def test_search_runs_the_number_of_queries_its_docstring_says(
    term: str,
    hits: int,
    django_assert_num_queries: Any,
) -> None:
    factories.tracked("alice", followers=2, following=1, mutual=1, days=1)
    stated = _stated_number(dashboard.search.__doc__ or "", r"(\w+) queries per page")
    dashboard.search(term)  # the once-per-process look for the trigram table
    with django_assert_num_queries(stated if hits else 1):
        _, page, found = dashboard.search(term)
    # alice and the users made for her lists: two follow her, one waits to.
    assert len(found) == len(page.items) == hits
    followers = {hit.user.username for hit in found if hit.follows == ["alice"]}
    assert followers == ({"alice_f00000", "alice_f00001"} if hits else set())


@pytest.mark.django_db
@pytest.mark.parametrize("accounts", [1, 4])
def test_sparklines_read_every_account_in_the_query_their_docstring_says(
    accounts: int,
    django_assert_num_queries: Any,
) -> None:
    ids = [factories.tracked(f"user{n}", days=3).pk for n in range(accounts)]
    stated = _stated_number(sparklines.__doc__ or "", r"in (\w+) query")
    with django_assert_num_queries(stated):
        lines = sparklines(ids)
    assert [len(lines[pk].values) for pk in ids] == [3] * accounts


@pytest.mark.django_db
@pytest.mark.parametrize("sort", ["name", "growth7", "decline30"])
def test_the_accounts_page_runs_the_queries_the_decision_states(
    sort: str,
    django_assert_num_queries: Any,
) -> None:
    for name in ("alice", "bob", "carol"):
        factories.tracked(name, days=3)
    decisions = (ROOT / "docs" / "decisions.md").read_text(encoding="utf-8")
    stated = _stated_number(decisions, r"(\w+) queries\s+either way")
    with django_assert_num_queries(stated):
        page = list_page({"sort": sort})
        lines = [account.sparkline.values for account in page.page.items]
    assert len(lines) == 3 and all(len(values) == 3 for values in lines)
