"""Every route of the URLconf, with its path parameters filled in: the walks of
tests that must cover every page (access rules, hostile input) start here."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

# <converter:name> of Django's path() routes, (?P<name>...) of the admin's regexes.
_PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>|\(\?P<(?P<rname>\w+)>(?P<rx>[^)]*)\)")


@dataclass(frozen=True)
class Route:
    route: str  # as the URLconf spells it, prefixes joined
    name: str  # "namespace:name" (or "name")

    @property
    def is_admin(self) -> bool:
        return self.route.startswith("admin/") and self.name.startswith("admin:")

    def params(self) -> list[str]:
        return [m["name"] or m["rname"] for m in _PARAM.finditer(self.route)]

    def url(self, fill: Callable[[Route, str, str], str]) -> str:
        """The path with every parameter replaced by fill(route, name, regex
        alternatives or converter)."""

        def one(match: re.Match[str]) -> str:
            if match["rname"]:
                return fill(self, match["rname"], match["rx"])
            return fill(self, match["name"], match["conv"] or "str")

        path = _PARAM.sub(one, self.route)
        path = path.lstrip("^").replace("\\Z", "").rstrip("$").replace("\\", "")
        return "/" + path


def routes() -> Iterator[Route]:
    def walk(patterns: list, prefix: str, space: str) -> Iterator[Route]:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or space
                yield from walk(pattern.url_patterns, route, inner)
            elif isinstance(pattern, URLPattern):
                name = pattern.name or ""
                yield Route(route, f"{space}:{name}" if space else name)

    yield from walk(get_resolver().url_patterns, "", "")
