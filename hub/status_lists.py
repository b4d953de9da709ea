"""Status lists of receipts, in the IETF Token Status List format
(draft-ietf-oauth-status-list): a JWT of type ``statuslist+jwt`` whose ``status_list``
holds one bit per receipt (``bits`` 1: 0 valid, 1 revoked), the bytes compressed with
DEFLATE in the zlib format and base64url-encoded; index 0 is the least significant bit of
the first byte.

A bank checks a receipt with a standard JOSE library and one fetch of the list it names,
which it may cache for ``ttl`` seconds. The bits are read from the authorizations at the
time of the fetch, so a revocation is visible from the moment it commits.
"""

from __future__ import annotations

import base64
import time
import zlib

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from hub.models import Authorization, StatusList
from hub.receipts import ISSUER, sign_jws

MEDIA_TYPE = "application/statuslist+jwt"
TTL_SECONDS = 300


def status_list_uri(status_list_id: int) -> str:
    return settings.HUB_PUBLIC_URL + reverse("api-status-list", args=[status_list_id])


def status_entry_allocate() -> tuple[int, int]:
    """The next free (list id, index). Locks the newest list, so concurrent receipts never
    share an entry; a full list is followed by a new one."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("A status entry is allocated in the transaction that issues the receipt.")
    status_list = StatusList.objects.select_for_update().order_by("-pk").first()
    if status_list is None or status_list.next_index >= status_list.size:
        status_list = StatusList.objects.create()
        status_list = StatusList.objects.select_for_update().get(pk=status_list.pk)
    index = status_list.next_index
    StatusList.objects.filter(pk=status_list.pk).update(next_index=index + 1)
    return status_list.pk, index


def status_list_bits(status_list: StatusList) -> bytes:
    bits = bytearray((status_list.size + 7) // 8)
    revoked = Authorization.objects.filter(
        status_list_id=status_list.pk, status=Authorization.Status.REVOKED
    ).values_list("status_index", flat=True)
    for index in revoked:
        bits[index // 8] |= 1 << (index % 8)
    return bytes(bits)


def status_list_token(status_list: StatusList) -> str:
    compressed = zlib.compress(status_list_bits(status_list), level=9)
    now = int(time.time())
    return sign_jws(
        {
            "iss": ISSUER,
            "sub": status_list_uri(status_list.pk),
            "iat": now,
            "exp": now + 24 * 3600,
            "ttl": TTL_SECONDS,
            "status_list": {"bits": 1, "lst": base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")},
        },
        typ="statuslist+jwt",
    )
