"""The Settings section (channels and rules), the bell, the watch eye and the
CLI, as the owner and as a viewer."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from accounts_app import vault
from accounts_app.models import IgUser
from accounts_app.tests import factories
from notify import channels
from notify.models import AccountRule, Channel, Event, Kind, WatchedUser
from notify.tests.inbox import Inbox

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("isolated_vault")]
HX = {"HTTP_HX_REQUEST": "true"}
SECRET_URL_PART = "tk_9f8e7d6c5b4a"


def add(client: Client, **fields: Any) -> Any:
    data = {"name": "Phone", "url": f"ntfy://{SECRET_URL_PART}", **fields}
    return client.post("/notify/channels/add/", data, **HX)


def test_a_channel_is_sealed_and_shown_only_as_its_service(admin_client: Client) -> None:
    answer = add(
        admin_client,
        kinds=["lost_followers", "scrape_failed"],
        quiet_start="22:00",
        quiet_end="07:00",
    )
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "Added the channel “Phone” (ntfy)" in html
    assert "ntfy://…" in html and SECRET_URL_PART not in html
    assert "quiet 22:00\u201307:00" in html and "Lost followers, Scrape failed" in html
    channel = Channel.objects.get()
    assert SECRET_URL_PART.encode() not in bytes(channel.url_enc)
    assert channels.url_of(channel) == f"ntfy://{SECRET_URL_PART}"
    page = admin_client.get("/settings/").content.decode()
    assert 'id="notifications"' in page and SECRET_URL_PART not in page
    for admin_page in ("/admin/notify/channel/", f"/admin/notify/channel/{channel.pk}/change/"):
        shown = admin_client.get(admin_page)
        assert shown.status_code == 200 and SECRET_URL_PART not in shown.content.decode()


def test_a_refused_channel_never_shows_the_typed_url_again(admin_client: Client) -> None:
    answer = add(admin_client, url=f"nosuchservice://{SECRET_URL_PART}")
    assert answer.status_code == 200  # htmx swaps only 2xx answers in
    html = answer.content.decode()
    assert "Apprise cannot use this nosuchservice:// URL" in html
    assert SECRET_URL_PART not in html and not Channel.objects.exists()
    answer = add(admin_client, url=f"{SECRET_URL_PART}")
    assert "Not an Apprise URL" in answer.content.decode()
    answer = add(admin_client, quiet_start="22:00")
    assert "Give both ends of the quiet hours" in answer.content.decode()
    add(admin_client)
    assert "There is a channel named “phone” already" in add(
        admin_client, name="phone"
    ).content.decode().replace("“Phone”", "“phone”")


def test_a_locked_vault_refuses_a_channel_and_says_so(
    admin_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def locked() -> bytes:
        raise vault.VaultLocked()

    monkeypatch.setattr(vault, "master_key", locked)
    monkeypatch.setattr(vault, "is_locked", lambda: True)
    # The page: every view answers with the unlock modal while igdash is locked.
    answer = add(admin_client)
    assert answer.status_code == 204 and answer["HX-Refresh"] == "true"
    # The view itself, should the vault lock between the page and the post.
    monkeypatch.setattr(vault, "is_locked", lambda: False)
    answer = add(admin_client)
    assert answer.status_code == 200
    assert "igdash is locked: enter the passphrase first. The channel was not stored." in (
        answer.content.decode()
    )
    # The command line.
    monkeypatch.setattr("sys.stdin", io.StringIO("ntfy://topic\n"))
    with pytest.raises(CommandError, match="igdash is locked"):
        call_command("notify", "add", "Phone", "--url-stdin")
    assert not Channel.objects.exists()


def test_settings_says_when_the_vault_is_locked(monkeypatch: pytest.MonkeyPatch) -> None:
    from notify.pages import channels_context

    monkeypatch.setattr(vault, "passphrase_mode", lambda: True)
    monkeypatch.setattr(vault, "is_locked", lambda: True)
    assert channels_context()["vault_locked"] is True


def test_send_a_test_shows_the_result_and_remove_forgets_the_url(
    admin_client: Client, inbox: Inbox
) -> None:
    good = channels.create("Phone", inbox.url("phone"))
    bad = channels.create("Hook", inbox.url("broken/x"))
    html = admin_client.post(f"/notify/channels/{good.pk}/test/", **HX).content.decode()
    assert "Sent a test message to “Phone”." in html
    [message] = inbox.to("phone")
    assert message["title"] == "igdash: test message" and "“Phone”" in message["message"]
    html = admin_client.post(f"/notify/channels/{bad.pk}/test/", **HX).content.decode()
    assert "The test message to “Hook” failed: Failed to send JSON POST notification" in html
    assert 'data-last="failed"' in html and 'data-last="ok"' in html
    html = admin_client.post(f"/notify/channels/{bad.pk}/remove/", **HX).content.decode()
    assert "Removed the channel “Hook”" in html and not Channel.objects.filter(pk=bad.pk).exists()


def test_rules_are_saved_per_account(admin_client: Client) -> None:
    alice = factories.tracked("alice", followers=5, days=1)
    page = admin_client.get("/settings/").content.decode()
    assert 'data-rule="alice"' in page and "lost: every lost follower, watched users" in page
    p = f"r{alice.pk}"
    html = admin_client.post(
        f"/notify/rules/{alice.pk}/",
        {f"{p}-lost": "watched", f"{p}-new_above": "5", f"{p}-digest": "weekly"},
        **HX,
    ).content.decode()
    assert "Saved the notifications of @alice." in html
    rule = AccountRule.objects.get(account=alice)
    assert (rule.lost, rule.new_above, rule.watched, rule.digest) == ("watched", 5, False, "weekly")
    bad = admin_client.post(f"/notify/rules/{alice.pk}/", {f"{p}-lost": "nope"}, **HX)
    assert bad.status_code == 200 and "@alice: Select a valid choice" in bad.content.decode()


def test_the_bell_counts_lists_and_marks_read(admin_client: Client) -> None:
    for n in range(3):
        Event.objects.create(
            key=f"k{n}",
            kind=Kind.SCRAPE_FAILED,
            text=f"@alice: scrape #{n} failed: x",
            link=f"http://127.0.0.1:8000/scrapes/{n}/",
        )
    page = admin_client.get("/").content.decode()
    assert 'data-unread="3"' in page and "Notifications, 3 unread" in page
    panel = admin_client.get("/notify/events/", **HX).content.decode()
    assert panel.count("data-event=") == 3 and 'href="/scrapes/2/"' in panel
    first = Event.objects.get(key="k0")
    panel = admin_client.post(f"/notify/events/{first.pk}/read/", **HX).content.decode()
    assert 'id="bell-count" hx-swap-oob="true"' in panel and 'data-unread="2"' in panel
    panel = admin_client.post("/notify/events/read/", **HX).content.decode()
    assert 'data-unread="0"' in panel and not Event.objects.filter(read=False).exists()


def test_a_viewer_sees_the_bell_but_changes_nothing(client: Client) -> None:
    viewer = User.objects.create_user("viewer", password="pw")
    viewer.groups.add(Group.objects.get(name="viewers"))
    client.force_login(viewer)
    event = Event.objects.create(key="k", kind=Kind.DIGEST, text="@alice daily digest")
    assert "Mark read" not in client.get("/notify/events/", **HX).content.decode()
    assert client.post(f"/notify/events/{event.pk}/read/", **HX).status_code == 403
    assert client.post("/notify/channels/add/", {"name": "x", "url": "ntfy://x"}).status_code == 403


def test_the_eye_on_a_list_row_toggles_the_watch(admin_client: Client) -> None:
    alice = factories.tracked("alice", followers=3, days=1)
    page = admin_client.get("/accounts/alice/").content.decode()
    assert page.count('data-watch="off"') == 3
    user = IgUser.objects.get(username="alice_f00000")
    html = admin_client.post(f"/notify/watch/{alice.pk}/{user.pk}/", **HX).content.decode()
    assert 'data-watch="on"' in html and 'aria-pressed="true"' in html
    assert WatchedUser.objects.filter(account=alice, user=user).exists()
    assert admin_client.get("/accounts/alice/").content.decode().count('data-watch="on"') == 1
    admin_client.post(f"/notify/watch/{alice.pk}/{user.pk}/", **HX)
    assert not WatchedUser.objects.exists()


def test_cli_adds_lists_and_tests_channels(inbox: Inbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(inbox.url("phone") + "\n"))
    out = io.StringIO()
    call_command("notify", "add", "Phone", "--url-stdin", stdout=out)
    assert "Added channel" in out.getvalue() and "(json)" in out.getvalue()
    channels.create("Hook", inbox.url("broken/x"))
    out = io.StringIO()
    call_command("notify", "list", stdout=out)
    assert "Phone\tjson://…" in out.getvalue() and str(inbox.port) not in out.getvalue()
    out = io.StringIO()
    call_command("notify", "test", "phone", stdout=out)
    assert out.getvalue() == "Phone: sent\n" and len(inbox.to("phone")) == 1
    with pytest.raises(CommandError, match="1 of 2 channel"):
        call_command("notify", "test", stdout=io.StringIO())
    with pytest.raises(CommandError, match="No channel named 'nope'"):
        call_command("notify", "test", "nope")


def test_without_javascript_the_forms_go_back_to_the_page(admin_client: Client) -> None:
    answer = admin_client.post("/notify/channels/add/", {"name": "Phone", "url": "ntfy://t0p1c"})
    assert answer.status_code == 302 and answer["Location"] == "/settings/#notifications"
    page = admin_client.get("/settings/").content.decode()
    assert "Added the channel “Phone” (ntfy)" in page and "t0p1c" not in page
    answer = admin_client.post("/notify/channels/add/", {"name": "", "url": "ntfy://t0p1c"})
    assert answer.status_code == 302
    assert "The channel was not added: name: This field is required." in (
        admin_client.get("/settings/").content.decode()
    )
    event = Event.objects.create(key="k", kind=Kind.DIGEST, text="@alice daily digest")
    answer = admin_client.post(f"/notify/events/{event.pk}/read/", {"next": "/accounts/"})
    assert answer["Location"] == "/accounts/"
    answer = admin_client.post("/notify/events/read/", {"next": "https://evil.example/"})
    assert answer["Location"] == "/"


def test_a_locked_vault_fails_the_delivery_and_says_why(
    inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel = channels.create("Phone", inbox.url("phone"))

    def locked() -> bytes:
        raise vault.VaultLocked()

    monkeypatch.setattr(vault, "master_key", locked)
    sent = channels.test_channel(channel)
    assert not sent.ok and sent.detail.startswith("igdash is locked")
    assert inbox.arrived == []
    channel.refresh_from_db()
    assert channel.last_ok is False and channel.last_result.startswith("igdash is locked")
