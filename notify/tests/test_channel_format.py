"""Messages are plain text, and Apprise is told so: a channel whose service
renders HTML (Telegram) or Markdown (Discord, Slack) gets the text escaped for
it. Unmarked, Apprise passes the text through as the service's own markup: an
underscore of a username turns into italics, and a '<' or '&' (a failure
reason, a channel name) makes Telegram refuse the whole message."""

from __future__ import annotations

import pytest

from notify import channels
from notify.tests.inbox import Inbox

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("isolated_vault")]

SAID = "@fan_a_b lost: <b>x</b> & *y*"


def test_an_html_channel_gets_the_text_escaped(inbox: Inbox) -> None:
    channel = channels.create("Telegram-like", inbox.url("html") + "?format=html")
    assert channels.send(channel, "igdash: <test>", SAID).ok
    (message,) = inbox.to("html")
    assert "<b>" not in message["message"] and "&lt;b&gt;" in message["message"]
    assert "&amp;" in message["message"]


def test_a_markdown_channel_keeps_underscores_and_stars(inbox: Inbox) -> None:
    channel = channels.create("Discord-like", inbox.url("md") + "?format=markdown")
    assert channels.send(channel, "igdash: test", SAID).ok
    (message,) = inbox.to("md")
    assert r"@fan\_a\_b" in message["message"] and r"\*y\*" in message["message"]


def test_a_text_channel_gets_the_text_as_it_is(inbox: Inbox) -> None:
    channel = channels.create("Plain", inbox.url("plain"))
    assert channels.send(channel, "igdash: test", SAID).ok
    (message,) = inbox.to("plain")
    assert message["message"] == SAID


def test_a_failure_text_loses_the_decoded_pieces_of_the_url_too() -> None:
    # Apprise decodes the URL before it speaks of a topic, a chat or a user:
    # "%40team%20room" is "@team room" in its warning, never in the URL's text.
    url = "tgram://123456:AAbbCCdd@/%40team%20room?to=s%C3%A9cret"
    said = "Failed to send Telegram notification to @team room (sécret): 123456:AAbbCCdd"
    scrubbed = channels.scrub(said, url)
    for piece in ("team room", "sécret", "AAbbCCdd"):
        assert piece not in scrubbed
