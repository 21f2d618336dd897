"""The security flows in a real browser, against the simulator over HTTP:

- a 2FA login added on the Settings page asks for the code in place, refuses a
  wrong one inline and turns OK with the right one, without a reload;
- a login Instagram challenges shows what to do and can be checked again, then
  removed after a confirmation;
- passphrase mode after a restart: every page shows the unlock modal, wrong
  passphrases are refused and then throttled, the right one opens the page and
  queues the scrape that waited, which then runs to the simulator's truth;
- the Settings page with logins in every state fits 320 and 1440 px, light and
  dark (screenshots in test-artifacts/).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from accounts_app import proxies, vault
from accounts_app.models import LoginCredential
from igdash.tests.ui import check_layout, log_in, owner
from scraping import services
from scraping.models import Relationship, Scrape
from scraping.services import logins
from scraping.simulator.world import DEMO_2FA_CODE, DEMO_PASSWORD
from scraping.tests.sim_control import Sim

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Status = LoginCredential.Status
PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def instagram(sim: Sim, settings, isolated_vault: Path, fast_limits: None) -> Sim:  # type: ignore[no-untyped-def]
    settings.INSTAGRAM_WEB_URL = sim.base
    settings.INSTAGRAM_API_URL = sim.base
    return sim


def _settings_page(page, live_server, width: int = 768) -> None:  # type: ignore[no-untyped-def]
    owner()
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server)
    page.goto(f"{live_server.url}/settings/")
    page.wait_for_load_state("networkidle")
    # Gone after any full page load: proves the flow below never reloads.
    page.evaluate("window.stillTheSamePage = true")


def _add(page, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.fill("#id_login_username", username)
    page.check("input[name=method][value=password]")
    page.fill("#id_login_password", password)
    page.click("text=Add and check")


def test_two_factor_login_is_finished_in_place(page, live_server, instagram: Sim) -> None:  # type: ignore[no-untyped-def]
    _settings_page(page, live_server)
    assert not page.is_visible("#id_login_sessionid")  # only the chosen secret's field

    _add(page, "demo_2fa", DEMO_PASSWORD)

    code = page.wait_for_selector("[data-login=demo_2fa] input[name=code]")
    item = page.locator("[data-login=demo_2fa]")
    assert item.get_attribute("data-status") == "needs_2fa"
    assert "Instagram wants the 2FA code for @demo_2fa" in item.inner_text()
    assert page.evaluate("document.activeElement.name") == "code"
    assert page.input_value("#id_login_password") == ""
    page.screenshot("2fa-asked")

    code.fill("654321")
    page.click("[data-login=demo_2fa] button:has-text('Log in')")
    page.wait_for_selector("[data-login=demo_2fa] .error")
    item = page.locator("[data-login=demo_2fa]")
    assert "did not accept the 2FA code" in item.locator(".error").inner_text()
    assert item.locator("input[name=code]").get_attribute("aria-invalid") == "true"
    page.screenshot("2fa-wrong-code")

    page.fill("[data-login=demo_2fa] input[name=code]", DEMO_2FA_CODE)
    page.click("[data-login=demo_2fa] button:has-text('Log in')")
    page.wait_for_selector("[data-login=demo_2fa][data-status=ok]")

    assert "OK" in page.inner_text("[data-login=demo_2fa] [data-status-label]")
    assert page.evaluate("window.stillTheSamePage") is True
    assert LoginCredential.objects.get(username="demo_2fa").status == Status.OK
    check_layout(page)
    page.screenshot("2fa-ok")


def test_challenged_login_says_what_to_do_and_can_be_removed(  # type: ignore[no-untyped-def]
    page, live_server, instagram: Sim
) -> None:
    _settings_page(page, live_server, width=320)

    _add(page, "demo_challenge", DEMO_PASSWORD)

    page.wait_for_selector("[data-login=demo_challenge][data-status=challenge]")
    steps = page.inner_text("[data-login=demo_challenge] [data-challenge]")
    assert "Open the Instagram app" in steps and "“It was me”" in steps
    assert "press “Check again”" in steps
    check_layout(page)
    page.screenshot("challenge")

    checked = LoginCredential.objects.get(username="demo_challenge").last_checked_at
    page.click("[data-login=demo_challenge] button:has-text('Check again')")
    page.wait_for_selector("[data-notice]:has-text('Checked @demo_challenge')")
    assert LoginCredential.objects.get(username="demo_challenge").last_checked_at > checked
    assert page.is_visible("[data-login=demo_challenge] [data-challenge]")

    page.click("[data-login=demo_challenge] summary")
    assert page.is_visible("text=Remove @demo_challenge?")
    check_layout(page)
    page.click("[data-login=demo_challenge] button:has-text('Yes, remove it')")
    page.wait_for_selector("text=No Instagram login yet")
    assert not LoginCredential.objects.exists()
    assert page.evaluate("window.stillTheSamePage") is True


def test_passphrase_mode_after_a_restart(  # type: ignore[no-untyped-def]
    page, live_server, instagram: Sim, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scraping.tasks import scrape_task

    settings.LOGIN_MAX_FAILURES = 3
    settings.LOGIN_LOCKOUT_MINUTES = 0.05  # 3 s, so the test can outlive it
    queued: list[int] = []
    monkeypatch.setattr(scrape_task, "delay_on_commit", queued.append)  # the worker: this test
    logins.store_login("demo_owner", sessionid=instagram.session("demo_owner"))
    vault.set_passphrase(PASSPHRASE)
    # The restart: a new boot secret, no key in memory.
    settings.BOOT_SECRET = b"r" * 32
    vault.forget_key()
    scrape = services.create_scrape("demo_small", lists=Scrape.Lists.FOLLOWERS)
    services.run_scrape(scrape.pk)
    scrape.refresh_from_db()
    assert (scrape.status, scrape.error_code) == (Scrape.Status.NEEDS_ATTENTION, "vault_locked")
    queued.clear()  # it was sent once when created

    owner()
    page.set_viewport_size({"width": 320, "height": 640})
    log_in(page, live_server)
    page.goto(f"{live_server.url}/settings/")
    assert page.is_visible("#unlock-modal")
    assert not page.is_visible("#logins-heading")
    check_layout(page)
    page.screenshot("locked")

    for _ in range(3):
        page.fill("#id_passphrase", "not the passphrase")
        page.click("#unlock-modal button[type=submit]")
        page.wait_for_load_state()
        assert "That passphrase does not unlock igdash." in page.inner_text("[role=alert]")
    page.fill("#id_passphrase", PASSPHRASE)  # right, but too soon after three wrong ones
    page.click("#unlock-modal button[type=submit]")
    page.wait_for_load_state()
    assert "Too many wrong passphrases" in page.inner_text("[role=alert]")
    assert vault.is_locked()
    page.screenshot("throttled")
    # The throttled answer is a 429 on purpose: not a problem of the page.
    assert any("429" in problem for problem in page.problems)
    page.problems[:] = [p for p in page.problems if "429" not in p]

    time.sleep(3.5)  # the lockout ends
    page.fill("#id_passphrase", PASSPHRASE)
    page.click("#unlock-modal button[type=submit]")
    page.wait_for_url(f"{live_server.url}/settings/")
    page.wait_for_load_state("networkidle")
    assert page.is_visible("#logins-heading") and not page.is_visible("#unlock-modal")
    assert page.inner_text("[data-key-store]") == "passphrase (unlocked)"
    page.screenshot("unlocked")

    scrape.refresh_from_db()
    assert scrape.status == Scrape.Status.QUEUED and queued == [scrape.pk]
    services.run_scrape(scrape.pk)
    scrape.refresh_from_db()
    assert scrape.status == Scrape.Status.SUCCEEDED, scrape.error_message
    stored = set(
        Relationship.objects.filter(target=scrape.target, ended_by__isnull=True).values_list(
            "user__ig_pk", flat=True
        )
    )
    assert stored == set(instagram.truth("demo_small"))


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("width", [320, 1440])
def test_settings_with_logins_in_every_state_fits_the_screen(  # type: ignore[no-untyped-def]
    page, live_server, settings, tmp_path: Path, theme: str, width: int
) -> None:
    settings.BACKUP_DIR = tmp_path
    (tmp_path / "igdash-backup-20260301-031500.zip").write_bytes(b"z" * 150_000)
    states = {
        "ok_login": (Status.OK, "Logged in."),
        "needs_code": (Status.NEEDS_2FA, "Instagram wants the 2FA code for @needs_code."),
        "challenged_with_a_rather_long_name": (Status.CHALLENGE, "Instagram wants a check."),
        "wrong_pw": (Status.BAD_PASSWORD, "Instagram refused the password of @wrong_pw."),
        "slowed": (Status.RATE_LIMITED, "Instagram asked @slowed to wait."),
    }
    for username, (status, message) in states.items():
        login = LoginCredential.objects.create(
            username=username,
            status=status,
            status_message=message,
            challenge_url="/challenge/123/AbCdEf0123456789/" if status == Status.CHALLENGE else "",
        )
        if status == Status.OK:  # sealed as the Settings page stores it
            proxies.set_login_proxy(login, "socks5://u:p@proxy-number-one.example.net:1080")
            login.save()
    _settings_page(page, live_server, width=width)
    page.evaluate("t => localStorage.setItem('igdash-theme', t)", theme)
    page.reload()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.dataset.theme") == theme

    check_layout(page)
    page.click("[data-login=wrong_pw] summary")
    page.check("input[name=method][value=sessionid]")
    assert page.is_visible("#id_login_sessionid") and not page.is_visible("#id_login_password")
    check_layout(page)
    page.screenshot(f"settings-{width}-{theme}")
