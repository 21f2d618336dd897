"""The Audience tab's figures stored per version of the data: computed once
(by the worker after a scrape, or by the first request), read back exactly,
and computed again when the data changes."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.test import Client

from accounts_app.models import TrackedAccount
from audience import analytics, pages, snapshot
from audience.models import AudienceSnapshot, Comment
from audience.tests.builders import audience_account
from scraping.models import Scrape
from scraping.signals import scrape_finalised

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_memory() -> None:
    """Each test starts as a new web process would: nothing in memory."""
    pages._CACHE.clear()


def creator() -> TrackedAccount:
    audience_account("creator", commenters=60)
    return TrackedAccount.objects.get(user__username="creator")


def test_stored_figures_read_back_exactly() -> None:
    target = creator()
    computed = pages.figures(target)
    stored = AudienceSnapshot.objects.get(target=target)
    pages._CACHE.clear()
    with mock.patch.object(analytics, "commenters", side_effect=AssertionError("computed")):
        again = pages.figures(target)
    assert again.rows == computed.rows  # the dataclasses, field by field, in order
    assert again.shares == computed.shares
    assert [p["post"].pk for p in again.posts] == [p["post"].pk for p in computed.posts]
    assert [p["timeline"] for p in again.posts] == [p["timeline"] for p in computed.posts]
    assert again.ordered("comments") == sorted(
        computed.rows, key=lambda r: (-r.comments, -r.posts, r.author_id)
    )
    assert stored.version and len(stored.data["rows"]) == 60


def test_a_times_round_trip_is_exact() -> None:
    when = dt.datetime(2026, 3, 1, 12, 30, 15, 123457, tzinfo=dt.UTC)
    row = analytics.Commenter(
        author_id=7, ig_pk=2**62, username="a", full_name="Ä", is_private=True,
        is_verified=False, comments=3, posts=2, first_at=when,
        last_at=when + dt.timedelta(microseconds=1), recent_posts=2, follows=None,
        following_since=None, loyal=False, left=False, new_follower_commented_first=False,
    )  # fmt: skip
    assert snapshot.decode_row(snapshot.encode_row(row)) == row


def test_the_tab_reads_the_stored_figures_without_computing() -> None:
    target = creator()
    pages.refresh_figures(target.pk)  # what the worker does after a scrape
    pages._CACHE.clear()
    client = Client()
    client.force_login(User.objects.create_superuser("owner", "", "pw-123456789"))
    with mock.patch.object(analytics, "commenters", side_effect=AssertionError("computed")):
        page = client.get("/accounts/creator/audience/", HTTP_HX_REQUEST="true")
    assert page.status_code == 200
    assert "Fan Number 4" in page.content.decode()
    with mock.patch.object(analytics, "commenters", side_effect=AssertionError("computed")):
        whole = client.get("/accounts/creator/audience/").content.decode()
    assert "Provider: test labels (1)." in whole  # a name, not the setting's id


def test_new_comments_make_a_new_version() -> None:
    target = creator()
    before = pages.figures(target)
    first = Comment.objects.filter(target=target).order_by("id").first()
    assert first is not None
    Comment.objects.create(
        post=first.post, target=target, ig_pk=99, author=first.author, text="again",
        created_at=first.created_at, first_seen=first.first_seen, last_seen=first.last_seen,
    )  # fmt: skip
    after = pages.figures(target)
    assert after.shares["comments"] == before.shares["comments"] + 1
    stored = AudienceSnapshot.objects.get(target=target)
    assert len(stored.data["rows"]) == 60 and AudienceSnapshot.objects.count() == 1
    # A queued scrape changes nothing the figures depend on.
    Scrape.objects.create(target=target, status=Scrape.Status.QUEUED)
    pages._CACHE.clear()
    with mock.patch.object(analytics, "commenters", side_effect=AssertionError("computed")):
        assert pages.figures(target).shares == after.shares


def test_a_page_request_does_not_store_while_a_scrape_runs() -> None:
    target = creator()
    Scrape.objects.create(target=target, status=Scrape.Status.RUNNING)
    assert len(pages.figures(target).rows) == 60
    assert not AudienceSnapshot.objects.exists()  # the worker stores them at its end
    pages._CACHE.clear()
    pages.refresh_figures(target.pk)
    assert AudienceSnapshot.objects.filter(target=target).exists()


def test_an_unreadable_row_is_computed_again() -> None:
    target = creator()
    pages.figures(target)
    AudienceSnapshot.objects.filter(target=target).update(data={"format": 0})
    pages._CACHE.clear()
    assert len(pages.figures(target).rows) == 60
    assert AudienceSnapshot.objects.get(target=target).data["format"] == snapshot.FORMAT


def test_a_finished_scrape_has_the_worker_store_the_figures(
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    target = creator()
    with (
        mock.patch("audience.tasks.refresh_figures_task.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        scrape_finalised.send(sender=Scrape, scrape_id=1, target_id=target.pk)
        quiet = TrackedAccount.objects.create(user=target.user.__class__.objects.create(
            ig_pk=1, username="quiet"))  # fmt: skip
        scrape_finalised.send(sender=Scrape, scrape_id=2, target_id=quiet.pk)
    delay.assert_called_once_with(target.pk)  # not for an account without comments
    assert not AudienceSnapshot.objects.exists()
    from audience.tasks import refresh_figures_task

    refresh_figures_task(target.pk)
    assert AudienceSnapshot.objects.filter(target=target).exists()
