"""The client's address: the peer's, unless the peer is one of the configured proxies
(HUB_TRUSTED_PROXIES); then the right-most X-Forwarded-For entry that is no trusted proxy.
Everything that keys on the client's address (throttles, the login guard, the request log)
reads it through this one function."""

import logging

import pytest
from django.conf import settings as django_settings
from django.test import RequestFactory

from hub.client_address import client_address, trusted_proxies_parse
from tests.hub.test_settings import start_django

NGINX = "127.0.0.1"


def request_from(peer: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.fixture
def behind_nginx(settings):
    settings.HUB_TRUSTED_PROXIES = trusted_proxies_parse([NGINX, "10.0.0.0/8"])


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings):
    settings.HUB_TRUSTED_PROXIES = ()

    assert client_address(request_from("198.51.100.7", "203.0.113.1")) == "198.51.100.7"


def test_an_untrusted_peer_cannot_name_another_address(behind_nginx):
    assert client_address(request_from("198.51.100.7", "203.0.113.1")) == "198.51.100.7"


def test_behind_a_trusted_proxy_the_address_it_saw_is_used(behind_nginx):
    assert client_address(request_from(NGINX, "203.0.113.1")) == "203.0.113.1"


def test_entries_a_client_sent_before_the_proxy_added_its_own_are_not_believed(behind_nginx):
    # nginx appends the address it saw ($proxy_add_x_forwarded_for) to what the client sent.
    assert client_address(request_from(NGINX, "192.0.2.66, 203.0.113.1")) == "203.0.113.1"


def test_a_chain_of_trusted_proxies_is_walked_from_the_right(behind_nginx):
    assert client_address(request_from(NGINX, "192.0.2.66, 203.0.113.1, 10.1.2.3")) == "203.0.113.1"


def test_a_malformed_entry_from_a_trusted_proxy_falls_back_to_the_peer(behind_nginx):
    assert client_address(request_from(NGINX, "203.0.113.1, not-an-address")) == NGINX
    assert client_address(request_from(NGINX, "")) == NGINX


def test_ipv6_and_ipv4_mapped_addresses_are_read(behind_nginx):
    assert client_address(request_from(NGINX, "2001:db8::1")) == "2001:db8::1"
    assert client_address(request_from("::ffff:198.51.100.7")) == "198.51.100.7"


def test_the_request_log_names_the_client_address(client, behind_nginx, caplog):
    with caplog.at_level(logging.INFO, logger="hub.request"):
        client.get("/healthz", REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR="192.0.2.66, 203.0.113.1")

    (line,) = [record for record in caplog.records if record.name == "hub.request"]
    assert line.client == "203.0.113.1"


def test_the_default_trusts_no_proxy():
    assert django_settings.HUB_TRUSTED_PROXIES == ()


def test_a_malformed_trusted_proxy_stops_the_hub_naming_the_variable():
    result = start_django(HUB_TRUSTED_PROXIES="127.0.0.1,nginx.local")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "HUB_TRUSTED_PROXIES" in result.stderr


def test_the_anonymous_throttle_counts_the_client_not_the_header_it_sends(anonymous_client, settings, db):
    settings.REST_FRAMEWORK = {
        **django_settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"organization": "600/min", "anonymous": "3/min"},
    }

    statuses = [
        anonymous_client.get("/api/v1/products/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(4)
    ]

    assert statuses == [200, 200, 200, 429]
