"""CDP/1 request and response signatures (CONNECTOR_PROTOCOL.md, "Signing").

Shared by the hub's client and the reference simulator, so both follow one text.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

KEY_HEADER = "X-CDP-Key"
TIMESTAMP_HEADER = "X-CDP-Timestamp"
NONCE_HEADER = "X-CDP-Nonce"
SIGNATURE_HEADER = "X-CDP-Signature"
CLOCK_SKEW_SECONDS = 300


def body_sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def canonical_request(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    """METHOD, PATH (with any query string), TIMESTAMP, NONCE, hex SHA-256 of the body,
    joined by newlines without a trailing one."""
    return "\n".join([method.upper(), path, timestamp, nonce, body_sha256(body)])


def sign_request(secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = canonical_request(method, path, timestamp, nonce, body).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign_response(secret: str, nonce: str, body: bytes) -> str:
    message = f"RESPONSE\n{nonce}\n{body_sha256(body)}".encode()
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signed_headers(*, secret: str, key_id: str, method: str, path: str, body: bytes) -> dict[str, str]:
    """The headers that sign a request (a fresh timestamp and nonce): what every client of
    the scheme sends, the platforms' and the national node's alike."""
    timestamp, nonce = str(int(time.time())), new_nonce()
    return {
        KEY_HEADER: key_id,
        TIMESTAMP_HEADER: timestamp,
        NONCE_HEADER: nonce,
        SIGNATURE_HEADER: sign_request(secret, method, path, timestamp, nonce, body),
    }


def new_nonce() -> str:
    return secrets.token_hex(16)


def signatures_match(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected, given)
