"""The Content tab after a real content scrape of a simulator account (real
HTTP through the engine and the Instagram clients): every post the simulator
has is listed once, and its hidden likes show as "—", never 0."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from accounts_app.models import LoginCredential
from content.tests.test_content_scrape import content_scrape
from scraping.models import Scrape
from scraping.tests.sim_control import Sim

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_limits")]


def test_the_tab_lists_every_post_of_a_scraped_account(
    sim: Sim,
    owner: LoginCredential,
    client: Client,
) -> None:
    done = content_scrape("demo_small", source="private")
    assert done.status == Scrape.Status.SUCCEEDED, done.error_message
    client.force_login(User.objects.create_superuser("owner", "", "pw"))
    truth = sim.content("demo_small")

    url = reverse("content:tab", args=["demo_small"])
    pages: list[str] = []
    html = client.get(url).content.decode()
    while True:
        pages.append(html)
        more = re.search(r'hx-get="([^"]+)" hx-trigger="revealed"', html)
        if not more:
            break
        next_url = more.group(1).replace("&amp;", "&")
        html = client.get(next_url, headers={"HX-Request": "true"}).content.decode()
    listed = "".join(pages)

    shortcodes = re.findall(r'data-post="([^"]+)"', listed)
    assert sorted(shortcodes) == sorted(post["shortcode"] for post in truth)
    hidden = [post["shortcode"] for post in truth if post["likes"] is None]
    assert len(hidden) >= 2
    for shortcode in hidden:
        row = listed.split(f'data-post="{shortcode}"')[1].split("</li>")[0]
        assert 'title="Unknown: the owner hid the like count on Instagram"' in row
        assert re.search(r"Likes </span>[0-9]", row) is None
