from __future__ import annotations

import ipaddress

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("address", ["192.168.1.5", "10.0.0.2", "8.8.8.8", "2001:db8::1"])
def test_requests_from_outside_the_tailnet_are_refused_with_a_reason(address: str) -> None:
    response = Client(REMOTE_ADDR=address).get("/login/")
    assert response.status_code == 403
    text = response.content.decode()
    assert f"igdash refuses {address}" in text
    assert "IGDASH_ALLOWED_NETWORKS" in text


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "::1", "100.101.102.103", "fd7a:115c:a1e0::1", "::ffff:127.0.0.1"]
)
def test_loopback_and_tailscale_addresses_are_allowed(address: str) -> None:
    assert Client(REMOTE_ADDR=address).get("/login/").status_code == 200


def test_forwarded_for_is_ignored_from_an_untrusted_peer() -> None:
    spoofed = Client(REMOTE_ADDR="192.168.1.5", HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert spoofed.get("/login/").status_code == 403


def test_forwarded_for_is_used_behind_a_trusted_proxy(settings) -> None:
    settings.TRUSTED_PROXY_NETWORKS = [ipaddress.ip_network("127.0.0.1/32")]
    # The right-most untrusted hop is the client; what it prepended is ignored.
    outsider = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="100.64.0.9, 192.168.1.5")
    assert outsider.get("/login/").status_code == 403
    phone = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="192.168.1.5, 100.101.102.103")
    assert phone.get("/login/").status_code == 200


def test_the_owner_can_widen_the_allowlist(settings) -> None:
    settings.ALLOWED_NETWORK_LIST = [ipaddress.ip_network("192.168.1.0/24")]
    assert Client(REMOTE_ADDR="192.168.1.5").get("/login/").status_code == 200


def test_forwarded_proto_from_an_untrusted_peer_does_not_make_a_request_secure(settings) -> None:
    # `igdash serve` lets Waitress pass X-Forwarded-* on; only a trusted proxy's count.
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    direct = Client(REMOTE_ADDR="100.101.102.103", HTTP_X_FORWARDED_PROTO="https")
    assert direct.get("/login/").wsgi_request.is_secure() is False
    settings.TRUSTED_PROXY_NETWORKS = [ipaddress.ip_network("127.0.0.1/32")]
    proxied = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    assert proxied.get("/login/").wsgi_request.is_secure() is True
