"""Small display filters for the dashboard's templates."""

from __future__ import annotations

import datetime as dt

from django import template

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
