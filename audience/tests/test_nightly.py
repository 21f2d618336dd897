"""The nightly switch: a starred account with it gets the comments of its last
posts in the nightly refresh; without it, none."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from accounts_app.models import LoginCredential, TrackedAccount
from audience import services
from audience.models import Comment, CommentPart
from audience.tests.test_comments_scrape import comments_truth, run_until_done
from content.models import ContentPart
from scraping import services as scraping_services
from scraping.models import Scrape
from scraping.tests.sim_control import Sim

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_limits")]


def bookmarked(handle: str) -> TrackedAccount:
    done = run_until_done(scraping_services.create_scrape(handle, Scrape.Lists.FOLLOWING))
    TrackedAccount.objects.filter(pk=done.target_id).update(bookmarked=True)
    return TrackedAccount.objects.get(pk=done.target_id)


def test_the_nightly_lists_the_comments_of_the_last_posts(
    sim: Sim, owner: LoginCredential, settings: object
) -> None:
    settings.AUDIENCE_POSTS = 4  # type: ignore[attr-defined]
    target = bookmarked("demo_big")
    services.set_nightly(target, True)

    (scrape,) = scraping_services.refresh_bookmarked()
    done = run_until_done(scrape)

    assert done.status == Scrape.Status.SUCCEEDED, done.error_message
    assert CommentPart.objects.get(scrape=done).posts == 4
    assert ContentPart.objects.get(scrape=done).limit == 4
    assert Comment.objects.count() == len(comments_truth(sim, "demo_big", 4)["comments"])


def test_without_the_switch_no_comments(sim: Sim, owner: LoginCredential) -> None:
    target = bookmarked("demo_small")
    services.set_nightly(target, True)
    services.set_nightly(target, False)

    (scrape,) = scraping_services.refresh_bookmarked()
    run_until_done(scrape)

    assert not CommentPart.objects.filter(scrape=scrape).exists()


def test_the_owner_flips_the_switch_on_the_audience_tab(
    sim: Sim, owner: LoginCredential, client: Client
) -> None:
    bookmarked("demo_small")
    client.force_login(User.objects.create_superuser("boss", "", "pw"))
    page = client.get("/accounts/demo_small/audience/").content.decode()
    assert 'data-nightly-comments="demo_small"' in page and "Nightly comments: off" in page

    url = "/accounts/demo_small/nightly-comments/"
    html = client.post(url, {"on": "1"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Nightly comments: on" in html
    assert TrackedAccount.objects.get(user__username="demo_small").nightly_comments
    response = client.post(url, {"on": "0"})
    assert response.status_code == 302
    assert not CommentPart.objects.exists()
    page = client.get("/accounts/demo_small/audience/").content.decode()
    assert "Nightly comments: off" in page


def test_every_account_tab_links_the_audience_tab(
    sim: Sim, owner: LoginCredential, client: Client
) -> None:
    bookmarked("demo_small")
    client.force_login(User.objects.create_superuser("boss", "", "pw"))

    for page in ("/accounts/demo_small/", "/accounts/demo_small/content/"):
        html = client.get(page).content.decode()
        assert 'href="/accounts/demo_small/audience/"' in html, page
