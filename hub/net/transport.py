"""The HTTP transport of the hub's outbound calls (CDP/1 to platforms, webhooks to
organizations): every connection is opened to an address that passed hub.net.addresses'
check, resolved once for the check and the connection alike.

urllib3 resolves a host inside the connection it opens; these connection classes resolve it
themselves, check every address, and connect to a checked one, while the request keeps the
name: the Host header, TLS SNI and the certificate's check are all on the name. So a DNS
answer that changes between a check and a connection (rebinding) cannot reach another
address. A pooled connection was checked when it was opened; a new one is checked anew.
"""

from __future__ import annotations

import socket

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection as urllib3_connection

from hub.net.addresses import checked_addresses


class _CheckedConnectionMixin:
    encrypted = False

    def _new_conn(self) -> socket.socket:
        try:
            addresses = checked_addresses(self.host, self.port, encrypted=self.encrypted)
        except socket.gaierror as error:
            raise NameResolutionError(self.host, self, error) from error
        last_error: Exception | None = None
        for address in addresses:
            try:
                return urllib3_connection.create_connection(
                    (str(address), self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except TimeoutError as error:
                last_error = ConnectTimeoutError(self, f"Connection to {self.host} timed out.")
                last_error.__cause__ = error
            except OSError as error:
                last_error = NewConnectionError(self, f"Failed to establish a new connection: {error}")
                last_error.__cause__ = error
        raise last_error


class CheckedHTTPConnection(_CheckedConnectionMixin, HTTPConnection):
    encrypted = False


class CheckedHTTPSConnection(_CheckedConnectionMixin, HTTPSConnection):
    encrypted = True


class _CheckedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = CheckedHTTPConnection


class _CheckedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = CheckedHTTPSConnection


class CheckedAddressAdapter(HTTPAdapter):
    """A requests adapter whose connections reach checked addresses only."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _CheckedHTTPConnectionPool,
            "https": _CheckedHTTPSConnectionPool,
        }


def checked_session() -> requests.Session:
    """A session for outbound calls: checked addresses, no proxy from the environment
    (a proxy would make the connection elsewhere than the check), redirects not followed by
    the caller's choice (``allow_redirects=False`` on every request)."""
    session = requests.Session()
    session.trust_env = False
    adapter = CheckedAddressAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
