"""Standard Webhooks signatures (https://www.standardwebhooks.com/, "Signature scheme").

A secret is ``whsec_`` followed by the base64 of 24 to 64 random bytes (the hub makes 32); the
key is those bytes. The signed content is ``{webhook-id}.{webhook-timestamp}.{body}``, the body
exactly as sent; the signature is ``v1,`` and the base64 HMAC-SHA256 of it. Several
signatures are separated by spaces (both secrets sign during a rotation), and a receiver
accepts a delivery when any one of them verifies with a secret it holds.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def secret_generate() -> str:
    """A new endpoint secret, to be shown once."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(secret: str, *, message_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256>`` of one delivery."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(signing_secrets: list[str], *, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header: one signature per secret, separated by spaces."""
    return " ".join(
        signature(secret, message_id=message_id, timestamp=timestamp, body=body) for secret in signing_secrets
    )


def signature_verifies(
    secret: str,
    *,
    message_id: str,
    timestamp: int,
    body: bytes,
    header: str,
    tolerance_seconds: int | None = 300,
    now: int | None = None,
) -> bool:
    """Whether one of the header's signatures is this secret's for this delivery, and the
    timestamp is within ``tolerance_seconds`` of ``now`` (replay protection; None: unchecked)."""
    if tolerance_seconds is not None:
        import time

        if abs((now if now is not None else int(time.time())) - timestamp) > tolerance_seconds:
            return False
    expected = signature(secret, message_id=message_id, timestamp=timestamp, body=body)
    return any(
        hmac.compare_digest(expected, candidate) for candidate in header.split(" ") if candidate.startswith("v1,")
    )
