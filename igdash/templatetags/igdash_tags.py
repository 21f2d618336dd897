"""Small display filters for the dashboard's templates."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def duration(seconds: float | None) -> str:
    """1 h 02 min, 3 min 05 s, 12 s; an en dash when unknown."""
    if seconds is None:
        return "\u2013"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


@register.filter
def number(value: int | None) -> str:
    """12,345 with a thin grouping; an en dash when unknown."""
    return "\u2013" if value is None else f"{value:,}"


@register.filter
def time_value(value: object) -> object:
    """A time as HH:MM for <input type=time>; anything else (what the owner
    typed) unchanged."""
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return value


@register.filter
def change(value: int | None) -> SafeString:
    """+1,234 in green, \u221256 in red (a real minus sign), 0, or an en dash when
    unknown (fewer than two counted scrapes in the window)."""
    if value is None:
        return format_html('<span class="muted" title="{}">\u2013</span>', "Not enough scrapes")
    if value > 0:
        return format_html(
            '<span class="tabular-nums text-emerald-700 dark:text-emerald-400">+{}</span>',
            f"{value:,}",
        )
    if value < 0:
        return format_html(
            '<span class="tabular-nums text-red-700 dark:text-red-400">\u2212{}</span>',
            f"{-value:,}",
        )
    return mark_safe('<span class="tabular-nums">0</span>')
