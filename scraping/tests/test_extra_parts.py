"""A part added by an app above scraping (content analytics registers one) runs
after the follower lists with the scrape's own client and limiter, and its
verdict and failures end the scrape like a list's would."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from accounts_app.models import LoginCredential
from scraping import services
from scraping.instagram.errors import RateLimited
from scraping.models import Scrape
from scraping.services import extra_parts
from scraping.services.engine import Run
from scraping.tests.engine_fakes import FakeInstagram, make_users

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_limits")]


@dataclass
class Recorder:
    """A part that fetches the profile again through the run's client, as a real
    part pages through its listing."""

    label: str = "test items"
    verdict: str = ""
    fail_with: Exception | None = None
    calls: list[tuple[str, int, str]] = field(default_factory=list)

    def wanted(self, scrape: Scrape) -> bool:
        return scrape.target_username != "plain"

    def page_through(self, run: Run, target_pk: int) -> None:
        assert run.client is not None and run.limiter is not None
        self.calls.append(("page", target_pk, run.client.name))
        if self.fail_with is not None:
            raise self.fail_with
        run.client.get_profile(run.scrape.target_username)

    def finalise(self, scrape: Scrape) -> str:
        self.calls.append(("finalise", scrape.pk, ""))
        return self.verdict


@pytest.fixture
def part() -> Iterator[Recorder]:
    recorder = Recorder()
    extra_parts.PARTS.append(recorder)
    yield recorder
    extra_parts.PARTS.remove(recorder)


def _world() -> FakeInstagram:
    world = FakeInstagram()
    world.add("target", 7, make_users(25))
    world.add("plain", 8, make_users(5))
    return world


def test_a_wanted_part_runs_after_the_lists_with_the_same_client(
    web_login: LoginCredential, part: Recorder
) -> None:
    world = _world()

    done = services.run_scrape(services.create_scrape("target").pk, connect=world.connect)

    assert done is not None and done.status == Scrape.Status.SUCCEEDED
    assert part.calls == [("page", 7, "web"), ("finalise", done.pk, "")]
    # The part's request went out after the last list page, through the same login.
    assert world.requests[-1] == ("web", web_login.pk, "profile target")


def test_an_unwanted_part_is_left_alone(web_login: LoginCredential, part: Recorder) -> None:
    done = services.run_scrape(services.create_scrape("plain").pk, connect=_world().connect)

    assert done is not None and done.status == Scrape.Status.SUCCEEDED
    assert part.calls == []


def test_a_part_that_is_not_complete_makes_the_scrape_partial(
    web_login: LoginCredential, part: Recorder
) -> None:
    part.verdict = "the listing stopped after 12 of 40 posts"

    done = services.run_scrape(services.create_scrape("target").pk, connect=_world().connect)

    assert done is not None and done.status == Scrape.Status.PARTIAL
    assert done.error_message == "test items: the listing stopped after 12 of 40 posts"


def test_a_rate_limit_inside_a_part_parks_the_scrape_like_a_list(
    web_login: LoginCredential, part: Recorder
) -> None:
    part.fail_with = RateLimited(retry_after=120)

    parked = services.run_scrape(services.create_scrape("target").pk, connect=_world().connect)

    assert parked is not None and parked.status == Scrape.Status.WAITING_RATE_LIMIT
    assert parked.resume_at is not None


def test_registering_the_same_kind_of_part_twice_keeps_one() -> None:
    before = list(extra_parts.PARTS)
    try:
        extra_parts.register(Recorder())
        extra_parts.register(Recorder())
        assert len(extra_parts.PARTS) == len(before) + 1
    finally:
        extra_parts.PARTS[:] = before
