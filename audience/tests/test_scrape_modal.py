"""The scrape modal's "Comments" over real HTTP against the simulator: ticked, it
starts a scrape with a posts part and a comments part, whose progress line the
modal shows; bad numbers are refused inline; unticked, content's form decides."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from accounts_app.models import LoginCredential
from audience.models import Comment, CommentPart
from audience.tests.test_comments_scrape import comments_truth, run_until_done
from content.models import ContentPart
from scraping.models import Scrape
from scraping.tests.sim_control import Sim

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_limits")]
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def boss(client: Client) -> Client:
    client.force_login(User.objects.create_superuser("boss", "", "pw"))
    return client


def post(client: Client, **fields: str) -> str:
    data = {"handle": "demo_big", "lists": "followers", "use_private_login": "on", **fields}
    return client.post("/scrapes/new/", data, **HX).content.decode()


def test_the_modal_offers_comments_beside_posts(boss: Client) -> None:
    html = boss.get("/scrapes/new/", {"handle": "alice"}, **HX).content.decode()
    assert 'name="comments"' in html and 'name="comment_posts"' in html
    assert 'name="content"' in html  # content's fields stay


def test_ticked_it_scrapes_the_comments_of_the_last_n_posts(
    sim: Sim, owner: LoginCredential, boss: Client
) -> None:
    html = post(boss, comments="on", comment_posts="3")

    scrape = Scrape.objects.get()
    assert CommentPart.objects.get(scrape=scrape).posts == 3
    part = ContentPart.objects.get(scrape=scrape)
    assert (part.mode, part.limit) == (ContentPart.Mode.LAST, 3)
    assert 'data-extra="comments"' in html
    done = run_until_done(scrape)
    assert done.status == Scrape.Status.SUCCEEDED, done.error_message
    assert Comment.objects.count() == len(comments_truth(sim, "demo_big", 3)["comments"])


def test_bad_numbers_are_refused_inline_and_unticked_adds_no_comments(
    sim: Sim, owner: LoginCredential, boss: Client
) -> None:
    html = post(boss, comments="on", comment_posts="0")
    assert 'id="comment-posts-error"' in html
    assert not Scrape.objects.exists()

    post(boss, content="on", content_window="last", posts="2")
    scrape = Scrape.objects.get()
    assert not CommentPart.objects.filter(scrape=scrape).exists()
    assert ContentPart.objects.get(scrape=scrape).limit == 2
