"""The Settings page: AppSettings saved, bad input refused inline keeping what
was typed, the nightly refresh time reaching the beat schedule."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client, override_settings
from django_celery_beat.models import PeriodicTask

from accounts_app.models import LoginCredential
from accounts_app.tests import factories
from igdash.models import AppSettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(client: Client) -> Client:
    return factories.logged_in(client)


def _form(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "web_api_limit": 75, "web_api_window_seconds": 660, "graphql_limit": 200,
        "graphql_window_seconds": 660, "mobile_api_limit": 199, "mobile_api_window_seconds": 1800,
        "jitter_mean_seconds": 1.7, "jitter_max_seconds": 15, "backoff_base_seconds": 60,
        "backoff_max_seconds": 3600, "proxies": "", "backup_retention_days": 14,
        "refresh_time": "02:00", "refresh_spacing_seconds": 300,
    }  # fmt: skip
    data.update(changes)
    return data


def test_page_shows_sliders_with_their_values_and_the_logins(owner_client: Client) -> None:
    LoginCredential.objects.create(username="ig_owner", status=LoginCredential.Status.CHALLENGE)
    html = owner_client.get("/settings/").content.decode()
    assert 'type="range"' in html and 'id="id_web_api_limit-value">75</output>' in html
    assert "@ig_owner" in html and "Challenge" in html


def test_valid_settings_are_saved_and_the_schedule_follows(owner_client: Client) -> None:
    response = owner_client.post(
        "/settings/",
        _form(web_api_limit=40, proxies="http://u:p@proxy.example:8080\n\nsocks5://10.0.0.1:1080",
              refresh_time="04:15"),
    )  # fmt: skip
    assert response.status_code == 302
    saved = AppSettings.load()
    assert saved.web_api_limit == 40
    assert saved.proxy_list == ["http://u:p@proxy.example:8080", "socks5://10.0.0.1:1080"]
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
    response = owner_client.post("/settings/", _form(**changes))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="id_{field}-error"' in html
    assert typed in html
    assert AppSettings.load().web_api_limit == 75


@override_settings(TIME_ZONE="Asia/Tokyo")
def test_the_nightly_refresh_time_names_its_time_zone(owner_client: Client) -> None:
    html = owner_client.get("/settings/").content.decode()
    assert "Nightly refresh at (Asia/Tokyo time)" in html
