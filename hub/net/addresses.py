"""Which network addresses the hub's outbound requests may reach (SSRF).

Others tell the hub where to call them: a platform registers its connector's location, an
organization its webhook endpoints. A careless or hostile registration could point the hub's
requests at its own database (``http://127.0.0.1:5432``), the cloud's metadata service
(``169.254.169.254``) or a machine of the intranet. An outbound request therefore reaches only
public addresses, over TLS, unless an address lies inside one of
``HUB_OUTBOUND_ALLOWED_NETWORKS`` (a platform on a government intranet, the simulators and the
demo's webhook receiver on loopback in tests and ``make run``); loopback is allowed with
``DEBUG`` as well. Plain http is for loopback only.

The check runs twice: on the URL's host when the location is registered (an address literal,
or a name that is loopback by definition), and on every address the host resolves to when
a connection is opened (hub/net/transport.py), which then connects to the address it
checked, so a name cannot resolve to a public address for the check and to a private one for
the connection.
"""

from __future__ import annotations

import ipaddress
import socket

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# RFC 6598 shared address space (carrier-grade NAT): neither private nor public, and
# ipaddress calls it neither.
_SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")


class Messages:
    # "The location %(problem)s." (connectors) or "The URL %(problem)s." (webhooks) completes these.
    FORBIDDEN = _("resolves to %(address)s, a %(kind)s address the hub does not call")
    PLAIN_HTTP = _("must use https (plain http only to loopback, for tests and demos)")


_KINDS = {
    "loopback": _("loopback"),
    "private": _("private"),
    "link-local": _("link-local"),
    "multicast": _("multicast"),
    "unspecified": _("unspecified"),
    "reserved": _("reserved"),
    "shared (carrier-grade NAT)": _("shared (carrier-grade NAT)"),
    "non-public": _("non-public"),
}


class AddressRefused(Exception):
    """A connection to a forbidden address was refused before it was opened. Deliberately no
    OSError: the HTTP stack must not take it for a network failure and retry it."""


def _unwrapped(address: IPAddress) -> IPAddress:
    """An IPv4 address carried in IPv6 (``::ffff:127.0.0.1``, ``::127.0.0.1``) is judged as IPv4."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.packed[:12] == bytes(12) and int(address) > 1:  # IPv4-compatible (deprecated)
            return ipaddress.IPv4Address(address.packed[12:])
    return address


def forbidden_kind(address: IPAddress) -> str | None:
    """Which kind of non-public address this is ("loopback", "private", …), or None."""
    address = _unwrapped(address)
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if address.is_unspecified:
        return "unspecified"
    if isinstance(address, ipaddress.IPv4Address) and address in _SHARED_ADDRESS_SPACE:
        return "shared (carrier-grade NAT)"
    if address.is_private:
        return "private"
    if address.is_reserved:
        return "reserved"
    if not address.is_global:
        return "non-public"
    return None


def _allowed_explicitly(address: IPAddress) -> bool:
    address = _unwrapped(address)
    if address.is_loopback and settings.DEBUG:
        return True
    return any(
        address.version == network.version and address in network for network in settings.HUB_OUTBOUND_ALLOWED_NETWORKS
    )


def address_refusal(address: IPAddress, *, encrypted: bool) -> str | None:
    """Why the hub may not reach ``address`` (with TLS or in plain), or None."""
    if not encrypted and not _unwrapped(address).is_loopback:
        return str(Messages.PLAIN_HTTP)
    if _allowed_explicitly(address):
        return None
    kind = forbidden_kind(address)
    if kind is None:
        return None
    return str(Messages.FORBIDDEN % {"address": _unwrapped(address), "kind": _KINDS[kind]})


def _is_loopback_name(host: str) -> bool:
    # RFC 6761: "localhost" and every name below it are loopback, whatever DNS says.
    host = host.lower().rstrip(".")
    return host == "localhost" or host.endswith(".localhost")


def host_refusal(host: str, *, encrypted: bool) -> str | None:
    """The registration's check of a URL's host, without asking DNS: an address literal is
    judged as it is, a loopback name as loopback; any other name is judged when it resolves."""
    if _is_loopback_name(host):
        return address_refusal(ipaddress.IPv4Address("127.0.0.1"), encrypted=encrypted)
    try:
        address = ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None if encrypted else str(Messages.PLAIN_HTTP)
    return address_refusal(address, encrypted=encrypted)


def resolve(host: str, port: int) -> list[tuple[int, IPAddress]]:
    """Every (address family, address) ``host`` resolves to. The one place outbound requests
    ask DNS, so tests can make a name resolve where they need it."""
    return [
        (family, ipaddress.ip_address(sockaddr[0].split("%", 1)[0]))
        for family, _type, _proto, _name, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        if family in (socket.AF_INET, socket.AF_INET6)
    ]


def checked_addresses(host: str, port: int, *, encrypted: bool) -> list[IPAddress]:
    """The addresses ``host`` resolves to, in order, once every one of them passed the check.

    Raises AddressRefused when any address is forbidden (a name that resolves to a public and
    a private address is refused whole: which one a connection would use is not the hub's to
    guess), and socket.gaierror when the name does not resolve.
    """
    if _is_loopback_name(host):
        host = "127.0.0.1"
    addresses = []
    for _family, address in resolve(host, port):
        # Recorded (on a pull's source, a health check, a webhook attempt) in English, as their
        # other errors are.
        with translation.override(None):
            problem = address_refusal(address, encrypted=encrypted)
        if problem:
            raise AddressRefused(f"{host} {problem}")
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise socket.gaierror(socket.EAI_NONAME, f"{host} has no IPv4 or IPv6 address")
    return addresses
