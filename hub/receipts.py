"""Signed receipts for authorizations: a compact JWS (EdDSA over Ed25519) that anyone can
verify with the public keys the hub publishes as a JWKS at ``/api/v1/hub/keys/``.

A receipt lets an enterprise, a bank or an auditor prove what was consented to — scopes,
purpose, validity, how the enterprise was verified and who signed for it — without
trusting the hub's database; its ``status`` names an entry in a signed status list
(``hub/status_lists.py``), so whether it was revoked can be checked with one cached fetch.

Keys come from ``HUB_SIGNING_KEYS``: the first signs, every one is published, so receipts
issued before a rotation keep verifying.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings

ISSUER = "xinyidai-hub"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _public_x(public_key: Ed25519PublicKey) -> str:
    return _b64url(public_key.public_bytes(Encoding.Raw, PublicFormat.Raw))


@cache
def _keypair(kid: str | None, seed: bytes) -> tuple[Ed25519PrivateKey, str]:
    private_key = Ed25519PrivateKey.from_private_bytes(seed)
    if kid is None:
        # The single-key form (HUB_SIGNING_KEY): the key id is the RFC 7638 thumbprint.
        thumbprint_input = json.dumps(
            {"crv": "Ed25519", "kty": "OKP", "x": _public_x(private_key.public_key())},
            separators=(",", ":"),
            sort_keys=True,
        )
        kid = _b64url(hashlib.sha256(thumbprint_input.encode()).digest())
    return private_key, kid


def signing_key() -> tuple[Ed25519PrivateKey, str]:
    """The key that signs now, and its key id."""
    return _keypair(*settings.HUB_SIGNING_KEYS[0])


def public_jwks() -> dict:
    keys = []
    for kid, seed in settings.HUB_SIGNING_KEYS:
        private_key, key_id = _keypair(kid, seed)
        keys.append(
            {
                "kty": "OKP",
                "crv": "Ed25519",
                "x": _public_x(private_key.public_key()),
                "kid": key_id,
                "use": "sig",
                "alg": "EdDSA",
            }
        )
    return {"keys": keys}


def sign_jws(claims: dict, *, typ: str | None = None) -> str:
    """A compact JWS of ``claims`` with the current signing key."""
    private_key, kid = signing_key()
    headers = {"kid": kid}
    if typ:
        headers["typ"] = typ
    return jwt.encode(claims, private_key, algorithm="EdDSA", headers=headers)


def receipt_claims(authorization, *, verification, signatures, status_uri: str) -> dict:
    return {
        "iss": ISSUER,
        "jti": str(authorization.pk),
        "sub": authorization.enterprise.code,
        "aud": authorization.bank.code,
        "scopes": list(authorization.scopes),
        "purpose": authorization.purpose,
        "application": authorization.application_id,
        "iat": int(authorization.granted_at.timestamp()),
        "exp": int(authorization.expires_at.timestamp()),
        "subject_verification": {
            "method": verification.method,
            "level": verification.level,
            "verified_at": verification.verified_at.isoformat() if verification.verified_at else None,
        },
        "signers": [
            {"role": signature.role, "person": signature.person, "signed_at": signature.signed_at.isoformat()}
            for signature in signatures
        ],
        "status": {"status_list": {"idx": authorization.status_index, "uri": status_uri}},
    }


def sign_receipt(authorization, *, verification, signatures, status_uri: str) -> str:
    return sign_jws(
        receipt_claims(authorization, verification=verification, signatures=signatures, status_uri=status_uri)
    )


def verify_receipt(token: str, jwks: dict, *, verify_expiry: bool = True) -> dict:
    """Verify a receipt against a JWKS as an outside party would; returns its claims."""
    header = jwt.get_unverified_header(token)
    key = next(key for key in jwks["keys"] if key["kid"] == header["kid"])
    public_key = jwt.PyJWK(key).key
    return jwt.decode(
        token,
        public_key,
        algorithms=["EdDSA"],
        issuer=ISSUER,
        options={"verify_aud": False, "verify_exp": verify_expiry},
    )
