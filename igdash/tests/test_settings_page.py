"""The Settings page: AppSettings saved, bad input refused inline keeping what
was typed, the nightly refresh time reaching the beat schedule."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client, override_settings
from django_celery_beat.models import PeriodicTask

from accounts_app import proxies
from accounts_app.models import LoginCredential
from accounts_app.tests import factories
from core.models import AppSettings
from igdash.testing.forms import settings_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(client: Client) -> Client:
    return factories.logged_in(client)


def test_page_shows_sliders_with_their_values_and_the_logins(owner_client: Client) -> None:
    LoginCredential.objects.create(username="ig_owner", status=LoginCredential.Status.CHALLENGE)
    html = owner_client.get("/settings/").content.decode()
    assert 'type="range"' in html and 'id="id_web_api_limit-value">75</output>' in html
    assert "@ig_owner" in html and "Challenge" in html


def test_valid_settings_are_saved_and_the_schedule_follows(owner_client: Client) -> None:
    response = owner_client.post(
        "/settings/",
        settings_form(web_api_limit=40, proxies="http://u:p@proxy.example:8080\n\nsocks5://10.0.0.1:1080",
              refresh_time="04:15"),
    )  # fmt: skip
    assert response.status_code == 302
    saved = AppSettings.load()
    assert saved.web_api_limit == 40
    assert proxies.proxy_list(saved) == ["http://u:p@proxy.example:8080", "socks5://10.0.0.1:1080"]
    assert saved.refresh_time == dt.time(4, 15)
    nightly = PeriodicTask.objects.get(task="scraping.refresh_bookmarked")
    assert (nightly.crontab.hour, nightly.crontab.minute) == ("4", "15")


@pytest.mark.parametrize(
    "changes,field,typed",
    [
        ({"proxies": "not a proxy\nhttp://ok.example:3128"}, "proxies", "not a proxy"),
        ({"backup_retention_days": "0"}, "backup_retention_days", 'value="0"'),
        ({"refresh_time": "25:99"}, "refresh_time", 'value="25:99"'),
        ({"web_api_limit": "9999"}, "web_api_limit", 'value="9999"'),
        (
            {"jitter_mean_seconds": "20", "jitter_max_seconds": "5"},
            "jitter_max_seconds",
            'value="5"',
        ),
    ],
)
def test_bad_input_is_refused_inline_and_kept(
    owner_client: Client,
    changes: dict[str, str],
    field: str,
    typed: str,
) -> None:
    response = owner_client.post("/settings/", settings_form(**changes))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="id_{field}-error"' in html
    assert typed in html
    assert AppSettings.load().web_api_limit == 75


def _slider_block(html: str, field: str) -> str:
    """The markup of one slider, up to the next one."""
    return next(
        part for part in html.split('data-slider="')[1:] if part.startswith(f'{field}"')
    ).split("</fieldset>")[0]


def test_a_slider_the_environment_overrides_says_so(owner_client: Client, settings: object) -> None:
    # What settings.py read from IGDASH_RATE_WEB_API_LIMIT=12 at start-up.
    settings.RATE_WEB_API_LIMIT = 12  # type: ignore[attr-defined]
    settings.PACING = True  # type: ignore[attr-defined]
    settings.RATE_GRAPHQL_LIMIT = None  # type: ignore[attr-defined]

    html = owner_client.get("/settings/").content.decode()

    web = _slider_block(html, "web_api_limit")
    assert "data-override" in web and "IGDASH_RATE_WEB_API_LIMIT=12" in web
    assert "the slider has no effect" in web
    assert "data-override" not in _slider_block(html, "graphql_limit")


def test_rate_limits_off_is_shown_on_every_window_and_pause(
    owner_client: Client, monkeypatch: pytest.MonkeyPatch, settings: object
) -> None:
    settings.RATE_LIMITS = False  # type: ignore[attr-defined]

    html = owner_client.get("/settings/").content.decode()

    assert "data-rate-limits-off" in html
    for field in ("web_api_limit", "mobile_api_window_seconds", "jitter_mean_seconds"):
        assert "IGDASH_RATE_LIMITS=off" in _slider_block(html, field)
    assert "data-override" not in _slider_block(html, "backoff_base_seconds")
    # The backoff sliders still work, and the notice says so (walk finding).
    assert "the backoff after a refusal (the two backoff sliders) still apply" in html


@override_settings(TIME_ZONE="Asia/Tokyo")
def test_the_nightly_refresh_time_names_its_time_zone(owner_client: Client) -> None:
    html = owner_client.get("/settings/").content.decode()
    assert "Nightly refresh at (Asia/Tokyo time)" in html
    # Its help agrees: not "Local time", which reads as the browser's.
    assert "Local time of the nightly refresh" not in html
    assert "every night at this time in Asia/Tokyo (IGDASH_TIME_ZONE)" in html


def test_the_play_count_fetch_is_off_until_the_owner_switches_it_on(
    owner_client: Client,
) -> None:
    html = owner_client.get("/settings/").content.decode()
    assert 'name="fetch_play_counts"' in html and "Fetch missing play counts" in html
    assert 'data-cache-hours="24"' in html
    assert AppSettings.load().fetch_play_counts is False

    response = owner_client.post("/settings/", settings_form(fetch_play_counts="on"))
    assert response.status_code == 302
    assert AppSettings.load().fetch_play_counts is True
    html = owner_client.get("/settings/").content.decode()
    assert 'name="fetch_play_counts" class="choice-input peer"' in html

    owner_client.post("/settings/", settings_form())  # an unticked box is sent as nothing
    assert AppSettings.load().fetch_play_counts is False
