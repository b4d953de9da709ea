"""The client's network address, the one way every part of the hub reads it (throttles, the
login guard, the request log).

``X-Forwarded-For`` is text anyone can send. It says something only when the hub's immediate
peer is a proxy the operator named in ``HUB_TRUSTED_PROXIES`` (nginx, in ``deploy/``): each
trusted proxy appends the address it saw, so the list is read from the right, skipping the
trusted proxies, and the first entry that is none of them is the client. Entries to its left
came from the client itself and are never believed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def trusted_proxies_parse(values: Iterable[str]) -> tuple[Network, ...]:
    """``["127.0.0.1", "10.0.0.0/8"]`` → networks; raises ValueError naming a bad entry."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{value!r} is no IP address or network (CIDR)") from None
    return tuple(networks)


def client_address(request) -> str:
    """The address of the client that sent ``request`` (a Django or DRF request): the peer's
    (``REMOTE_ADDR``), or, when the peer is a trusted proxy, the right-most forwarded address
    that is not itself a trusted proxy. A malformed entry where a proxy's own should be means
    a proxy sent nonsense; the last trusted hop is then taken."""
    peer = request.META.get("REMOTE_ADDR", "")
    peer_address = _address(peer)
    if peer_address is None:
        return peer
    if not _is_trusted(peer_address):
        return str(peer_address)
    nearest_trusted = peer_address
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for entry in reversed(forwarded.split(",")):
        address = _address(entry)
        if address is None:
            break
        if not _is_trusted(address):
            return str(address)
        nearest_trusted = address
    return str(nearest_trusted)


def _address(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    # An IPv4 client seen through an IPv6 socket (::ffff:198.51.100.7) is that IPv4 address.
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _is_trusted(address: Address) -> bool:
    return any(address in network for network in settings.HUB_TRUSTED_PROXIES)
