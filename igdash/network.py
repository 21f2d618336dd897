"""Who may talk to igdash: loopback and the Tailscale ranges by default.

The client address is REMOTE_ADDR, or, only when REMOTE_ADDR is one of
IGDASH_TRUSTED_PROXIES, the right-most X-Forwarded-For entry that is not itself a
trusted proxy (a client can prepend anything it likes to that header).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden

from core.env import IPNetwork

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_address(value: str) -> IPAddress | None:
    value = value.strip().strip("[]")
    if value.count(":") == 1 and "." in value:  # "1.2.3.4:5678"
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _in(address: IPAddress, networks: list[IPNetwork]) -> bool:
    return any(address.version == n.version and address in n for n in networks)


def client_address(request: HttpRequest) -> IPAddress | None:
    remote = parse_address(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.TRUSTED_PROXY_NETWORKS
    if remote is None or not _in(remote, proxies):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed([h for h in forwarded.split(",") if h.strip()]):
        address = parse_address(hop)
        if address is None:
            return None
        if not _in(address, proxies):
            return address
    return remote


def client_ip(request: HttpRequest) -> str | None:
    """client_address() as text. Also AXES_CLIENT_IP_CALLABLE: the login throttle
    counts failures under the very address the allowlist judged."""
    address = client_address(request)
    return None if address is None else str(address)


def forget_untrusted_forwarding(request: HttpRequest) -> None:
    """Drop X-Forwarded-* headers unless a trusted proxy sent them.

    Waitress passes them on (`igdash serve`), so a client talking to igdash
    directly must not get to say "https" (SECURE_PROXY_SSL_HEADER) or anything
    else in them; X-Forwarded-For alone is already judged by client_address()."""
    remote = parse_address(request.META.get("REMOTE_ADDR", ""))
    if remote is not None and _in(remote, settings.TRUSTED_PROXY_NETWORKS):
        return
    for key in [k for k in request.META if k.startswith("HTTP_X_FORWARDED_")]:
        if key != "HTTP_X_FORWARDED_FOR":
            del request.META[key]


class NetworkAllowlistMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        forget_untrusted_forwarding(request)
        address = client_address(request)
        if address is None or not _in(address, settings.ALLOWED_NETWORK_LIST):
            shown = address or request.META.get("REMOTE_ADDR", "?")
            return HttpResponseForbidden(
                f"igdash refuses {shown}: only loopback and your Tailscale network may connect; "
                "add its network to IGDASH_ALLOWED_NETWORKS (comma-separated CIDRs) to allow it.\n",
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
