"""URL converters every app's URLs share. Importing this module registers them
(once: Django warns when a converter name is registered twice)."""

from __future__ import annotations

from django.urls import register_converter


class UsernameConverter:
    """Instagram usernames: letters, digits, periods, underscores. "-" is never
    part of one, which keeps /accounts/-/rows/ apart from any account."""

    regex = r"[A-Za-z0-9._]{1,30}"

    def to_python(self, value: str) -> str:
        return value.lower()

    def to_url(self, value: str) -> str:
        return value


register_converter(UsernameConverter, "username")
