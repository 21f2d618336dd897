"""What messages say: plain text, short, naming the account, with a link to the
right page of the dashboard built on settings.BASE_URL (IGDASH_BASE_URL, e.g.
the tailnet's MagicDNS name). docs/notifications.md lists every message."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

if TYPE_CHECKING:
    from notify.models import Channel

NAMES_SHOWN = 20


def link(path: str, **query: str) -> str:
    """An absolute link to a dashboard page."""
    tail = f"?{urlencode(query)}" if query else ""
    return f"{settings.BASE_URL}{path}{tail}"


def account_link(username: str, **query: str) -> str:
    return link(reverse("accounts:detail", kwargs={"username": username}), **query)


def scrape_link(scrape_id: int) -> str:
    return link(reverse("scraping:detail", kwargs={"scrape_id": scrape_id}))


def names(usernames: Sequence[str], more_at: str = "") -> str:
    """ "@a, @b and @c", the first NAMES_SHOWN, then "and N more"."""
    shown = [f"@{name}" for name in usernames[:NAMES_SHOWN]]
    rest = len(usernames) - len(shown)
    if rest > 0:
        return f"{', '.join(shown)} and {rest} more"
    if len(shown) > 1:
        return f"{', '.join(shown[:-1])} and {shown[-1]}"
    return shown[0] if shown else "nobody"


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def test_message(channel: Channel) -> tuple[str, str]:
    return (
        "igdash: test message",
        f"This is a test of the channel “{channel.name}”. It works.\n{link(reverse('settings'))}",
    )


def outgoing(text: str, url: str) -> tuple[str, str]:
    """(title, body) of an event's message: the first sentence is the title."""
    title = text.split(": ", 1)[0] if ": " in text[:80] else text[:80]
    return f"igdash: {title}", f"{text}\n{url}" if url else text
