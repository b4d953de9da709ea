"""Signed receipts for authorizations: a compact JWS (EdDSA over Ed25519) that anyone can
verify with the public key the hub publishes as a JWKS at ``/api/v1/hub/keys/``.

A receipt lets an enterprise, a bank or an auditor prove what was consented to — scopes,
purpose, validity — without trusting the hub's database.
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


@cache
def _keypair(seed: bytes) -> tuple[Ed25519PrivateKey, Ed25519PublicKey, str]:
    private_key = Ed25519PrivateKey.from_private_bytes(seed)
    public_key = private_key.public_key()
    x = _b64url(public_key.public_bytes(Encoding.Raw, PublicFormat.Raw))
    # RFC 7638 thumbprint: the key id is derived from the key itself.
    thumbprint_input = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"), sort_keys=True)
    kid = _b64url(hashlib.sha256(thumbprint_input.encode()).digest())
    return private_key, public_key, kid


def signing_key():
    return _keypair(settings.HUB_SIGNING_KEY)


def public_jwks() -> dict:
    _private, public_key, kid = signing_key()
    x = _b64url(public_key.public_bytes(Encoding.Raw, PublicFormat.Raw))
    return {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "use": "sig", "alg": "EdDSA"}]}


def receipt_claims(authorization) -> dict:
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
    }


def sign_receipt(authorization) -> str:
    private_key, _public, kid = signing_key()
    return jwt.encode(receipt_claims(authorization), private_key, algorithm="EdDSA", headers={"kid": kid})


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
