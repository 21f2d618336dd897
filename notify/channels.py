"""Channels: Apprise URLs sealed with the vault, shown only as scheme + name, and
the one place a message leaves igdash (`send`).

An Apprise URL is a secret: it carries tokens, passwords, topics (ntfy://topic,
tgram://bottoken/chat). It is sealed (AES-256-GCM, associated data
`channel:<id>:url`) before it is stored and opened only here, to send. Apprise
writes the URL into its DEBUG lines and the host into its warnings: its logger
is kept off the log files (settings.LOGGING, "apprise") and what a failure says
is taken from a capture, every piece of the URL replaced by ***.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from urllib.parse import unquote_plus, urlsplit

import apprise
from django.db import transaction
from django.utils import timezone

from accounts_app import vault
from notify.models import Channel

log = logging.getLogger(__name__)
MASK = "***"
RESULT_CHARS = 300


class ChannelError(ValueError):
    """The URL or the name cannot be used; the message says why (never the URL)."""


@dataclass(frozen=True)
class Sent:
    ok: bool
    detail: str


def scheme_of(url: str) -> str:
    scheme, sep, _ = url.strip().partition("://")
    return scheme.lower() if sep and re.fullmatch(r"[a-z][a-z0-9+.-]{0,30}", scheme.lower()) else ""


def check_url(url: str) -> str:
    """The URL stripped, or ChannelError when Apprise does not know it."""
    url = url.strip()
    scheme = scheme_of(url)
    if not scheme:
        raise ChannelError("Not an Apprise URL: it starts with a service, like ntfy:// or json://.")
    if not apprise.Apprise().add(url):
        raise ChannelError(
            f"Apprise cannot use this {scheme}:// URL: check it against the service's page "
            "of the Apprise documentation."
        )
    return url


def create(name: str, url: str, **fields: object) -> Channel:
    """Seal a new channel. VaultLocked (passphrase mode, not unlocked) when the
    URL cannot be sealed now: nothing is stored."""
    name = " ".join(name.split())
    if not name:
        raise ChannelError("Give the channel a name.")
    if Channel.objects.filter(name__iexact=name).exists():
        raise ChannelError(f"There is a channel named “{name}” already.")
    url = check_url(url)
    vault.master_key()  # raises VaultLocked before any row is written
    with transaction.atomic():
        channel = Channel.objects.create(name=name, url_enc=b"", url_hint=scheme_of(url), **fields)
        channel.url_enc = vault.seal(channel.aad, url.encode())
        channel.save(update_fields=["url_enc"])
    return channel


def url_of(channel: Channel) -> str:
    """The URL in clear, to send: never for a page or a log line."""
    return vault.open_(channel.aad, channel.url_enc).decode()


def scrub(text: str, url: str) -> str:
    """`text` with every piece of `url` (host, user, password, path, query) replaced."""
    parts = urlsplit(url)
    pieces = {url, parts.netloc, parts.path, parts.query, parts.fragment}
    pieces.update(re.split(r"[/:@?&=#,;]+", url.partition("://")[2]))
    # Apprise decodes the URL before it names a topic, a chat or a user in a
    # warning: "%40team%20room" is said "@team room". Every piece, decoded too.
    decoded = unquote_plus(url)
    pieces.update({unquote_plus(p) for p in pieces}, re.split(r"[/:@?&=#,;]+", decoded))
    for piece in sorted((p for p in pieces if len(p) >= 3), key=len, reverse=True):
        text = text.replace(piece, MASK)
    return text


def _one_line(text: str) -> str:
    return " ".join(text.split())[:RESULT_CHARS]


def send(channel: Channel, title: str, body: str) -> Sent:
    """Send one message through the channel; never raises for the service's
    failure (a locked vault, a refused or unreachable service: Sent(False, why))."""
    try:
        url = url_of(channel)
    except vault.VaultError as exc:
        return Sent(False, _one_line(str(exc)))
    sender = apprise.Apprise()
    if not sender.add(url):
        return Sent(
            False, "Apprise cannot use this URL any more: remove the channel, add it again."
        )
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
        try:
            # Plain text, said so: Apprise escapes it for a service that
            # renders HTML (Telegram) or Markdown (Discord, Slack).
            ok = bool(sender.notify(body=body, title=title, body_format=apprise.NotifyFormat.TEXT))
        except Exception as exc:  # a plugin's bug must not stop the other channels
            ok = False
            log.warning("channel %s: Apprise raised %s", channel.pk, type(exc).__name__)
    if ok:
        return Sent(True, "delivered")
    said = [line for line in captured.getvalue().splitlines() if line.strip()]
    why = scrub(said[-1], url) if said else "the service did not accept the message"
    return Sent(False, _one_line(why))


def record_result(channel: Channel, sent: Sent) -> None:
    """The channel's last delivery result, shown in Settings and logged (the
    scheme and the masked result: never the URL)."""
    level = logging.INFO if sent.ok else logging.WARNING
    log.log(
        level, "channel %s (%s, %s://): %s", channel.pk, channel.name, channel.url_hint, sent.detail
    )
    channel.last_ok, channel.last_result, channel.last_at = sent.ok, sent.detail, timezone.now()
    Channel.objects.filter(pk=channel.pk).update(
        last_ok=sent.ok, last_result=sent.detail, last_at=channel.last_at
    )


def test_channel(channel: Channel) -> Sent:
    """What "Send a test" and `igdash notify test` do."""
    from notify.text import test_message

    title, body = test_message(channel)
    sent = send(channel, title, body)
    record_result(channel, sent)
    return sent
