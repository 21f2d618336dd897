"""No exception leaves a scrape `running` (issue 15, point 11): whatever step of
the engine fails unexpectedly, even the code that handles an Instagram answer,
the scrape ends in a state the owner sees, and no relationship is ended by a
scrape that did not finish."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from accounts_app.models import LoginCredential
from scraping import services
from scraping.instagram.errors import LoginRequired, RateLimited, TransportError
from scraping.models import Direction, Relationship, Scrape, ScrapeSeen
from scraping.services import delta, engine
from scraping.tests.engine_fakes import FakeClient, FakeInstagram, make_users

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_limits")]

FOLLOWERS = make_users(30)


def _boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError("injected failure")


# (what to replace, attribute, an Instagram answer that sends the run through a handler)
STEPS: list[tuple[object, str, Callable[[], Exception] | None]] = [
    (engine.vault, "is_locked", None),
    (engine, "scrape_connection", None),
    (engine.logins, "usable_logins", None),  # choosing the logins
    (FakeClient, "get_profile", None),  # resolving the profile
    (engine, "attach_profile", None),
    (engine, "_choose", None),  # choosing the client
    (engine, "touch", None),  # recording the choice
    (engine.clients, "pick_proxy", None),  # connecting
    (FakeClient, "list_page", None),  # fetching a page
    (engine, "store_pages", None),  # storing pages
    (engine.logins, "mark_ok", None),
    (engine, "finalise", None),
    (delta, "_close", None),  # ending relationships, inside finalise's transaction
    (delta, "_cache_new_avatars", None),  # the last step of that transaction
    # The handlers of Instagram's answers fail in turn.
    (engine, "max_retries", lambda: TransportError("Instagram answered HTTP 502")),
    (engine, "enqueue", lambda: RateLimited(retry_after=120)),
    (engine.logins, "record_failure", LoginRequired),
]


def _id(step: tuple[object, str, object]) -> str:
    return step[1] + ("+answer" if step[2] else "")


def _active() -> set[int]:
    return set(
        Relationship.objects.filter(
            target__user__username="target", direction=Direction.FOLLOWER, ended_by__isnull=True
        ).values_list("user__ig_pk", flat=True)
    )


@pytest.mark.parametrize("step", STEPS, ids=[_id(step) for step in STEPS])
def test_an_unexpected_exception_at_any_step_ends_the_scrape_visibly(
    web_login: LoginCredential,
    monkeypatch: pytest.MonkeyPatch,
    step: tuple[object, str, Callable[[], Exception] | None],
) -> None:
    world = FakeInstagram(page_size=10)
    world.add("target", 1, FOLLOWERS)
    first = services.run_scrape(
        services.create_scrape("target", lists="followers").pk, connect=world.connect
    )
    assert first is not None and first.status == Scrape.Status.SUCCEEDED
    # Ten followers left: a finished second scrape would end ten relationships.
    world.set_lists("target", FOLLOWERS[:20])
    owner, name, answer = step
    if answer is not None:
        world.errors[world.list_calls + 1] = answer()
    monkeypatch.setattr(owner, name, _boom)

    scrape = services.run_scrape(
        services.create_scrape("target", lists="followers").pk, connect=world.connect
    )

    assert scrape is not None
    assert scrape.status == Scrape.Status.FAILED
    assert scrape.error_code == engine.INTERNAL
    assert scrape.error_message.startswith("igdash failed: RuntimeError: injected failure")
    assert scrape.claimed_by == ""
    assert _active() == {user.pk for user in FOLLOWERS}  # nobody ended by a failed scrape
    assert not ScrapeSeen.objects.filter(scrape=scrape).exists()


def test_the_task_fails_the_scrape_when_even_failing_it_fails(
    web_login: LoginCredential, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last line of defence: the task itself, when the engine's own way of
    failing a scrape raises too."""
    from scraping.tasks import scrape_task

    monkeypatch.setattr(engine.logins, "usable_logins", _boom)  # before any request
    monkeypatch.setattr(engine, "_fail", _boom)
    scrape = services.create_scrape("target", lists="followers")

    scrape_task(scrape.pk)

    scrape.refresh_from_db()
    assert scrape.status == Scrape.Status.FAILED
    assert scrape.error_code == engine.INTERNAL
    assert "RuntimeError: injected failure" in scrape.error_message
    assert not ScrapeSeen.objects.filter(scrape=scrape).exists()


def test_the_scrape_task_keeps_the_name_queued_messages_carry() -> None:
    """Renaming the function must not orphan messages queued (or beat entries
    written) under the registered name."""
    from scraping.tasks import scrape_task

    assert scrape_task.name == "scraping.run_scrape"
