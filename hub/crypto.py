"""Envelope encryption at rest, blind indexes and key handling.

Every value is encrypted with its own random data key (DEK); the DEK is wrapped by a key
encryption key (KEK) from the environment. A ciphertext is one printable string::

    enc1$<cipher>$<kid>$<wrapped DEK>$<payload>

``cipher`` is ``A`` (AES-256-GCM) or ``S`` (SM4-GCM, GB/T 32907, needed for 密评), ``kid`` names
the KEK, and both binary parts are unpadded URL-safe base64 of ``nonce ‖ ciphertext ‖ tag``.
Several KEKs can be configured at once: the first is used for new values, all of them read,
so keys rotate (``manage.py rotate_keys``) without downtime. The caller passes a ``context``
(the model field) that is bound in as associated data, so a ciphertext copied into another
field does not decrypt.

This module does not import Django models, so settings can use its parsers (it reads the
lazy ``django.conf.settings`` only when called).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

AES_256_GCM = "aes-256-gcm"
SM4_GCM = "sm4-gcm"
CIPHERS = (AES_256_GCM, SM4_GCM)

PREFIX = "enc1"
_CIPHER_CODES = {AES_256_GCM: "A", SM4_GCM: "S"}
_CODE_CIPHERS = {code: name for name, code in _CIPHER_CODES.items()}
_KEY_BYTES = {AES_256_GCM: 32, SM4_GCM: 16}
_NONCE_BYTES = 12
_TAG_BYTES = 16
_KID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class DecryptionError(Exception):
    """A stored value could not be decrypted: unknown key id, wrong context or tampering."""


@dataclass(frozen=True)
class Keyring:
    """The configured key encryption keys; ``active_kid`` encrypts, every key decrypts."""

    cipher: str
    keys: dict[str, bytes]
    active_kid: str

    @property
    def active_key(self) -> bytes:
        return self.keys[self.active_kid]

    @property
    def active_prefix(self) -> str:
        return f"{PREFIX}${_CIPHER_CODES[self.cipher]}${self.active_kid}$"


def _b64decode(text: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    try:
        return base64.b64decode(padded.replace("+", "-").replace("/", "_"), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("is not valid base64") from None


_FROM_URLSAFE = str.maketrans("-_", "+/")


def _b64decode_trusted(text: str) -> bytes:
    """Fast decoding of the base64 this module wrote itself (the hot path of every read);
    malformed input still raises binascii.Error."""
    return binascii.a2b_base64(text.translate(_FROM_URLSAFE) + "=" * (-len(text) % 4))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def parse_secret(value: str, *, minimum_bytes: int | None = None, exact_bytes: int | None = None) -> bytes:
    """Decode a base64 secret from the environment and check its length."""
    secret = _b64decode(value.strip())
    if exact_bytes is not None and len(secret) != exact_bytes:
        raise ValueError(f"must decode to exactly {exact_bytes} bytes, got {len(secret)}")
    if minimum_bytes is not None and len(secret) < minimum_bytes:
        raise ValueError(f"must decode to at least {minimum_bytes} bytes, got {len(secret)}")
    return secret


def _parse_keyed_list(value: str) -> dict[str, bytes]:
    """``kid:base64,kid:base64`` → {kid: bytes}, in order; at least one entry."""
    keys: dict[str, bytes] = {}
    for entry in (item.strip() for item in value.split(",")):
        if not entry:
            continue
        kid, separator, encoded = entry.partition(":")
        if not separator or not _KID_PATTERN.match(kid):
            raise ValueError(f"entry {entry[:12]!r}… must look like kid:base64key (kid: letters, digits, - or _)")
        if kid in keys:
            raise ValueError(f"key id {kid!r} appears twice")
        try:
            keys[kid] = _b64decode(encoded)
        except ValueError:
            raise ValueError(f"key {kid!r} is not valid base64") from None
    if not keys:
        raise ValueError("at least one key is required")
    return keys


def parse_signing_keys(value: str) -> list[tuple[str, bytes]]:
    """Parse ``kid:base64seed,…`` of 32-byte Ed25519 seeds; the first signs."""
    keys = _parse_keyed_list(value)
    for kid, seed in keys.items():
        if len(seed) != 32:
            raise ValueError(f"key {kid!r} must be a 32-byte Ed25519 seed, got {len(seed)} bytes")
    return list(keys.items())


def parse_audit_keys(value: str) -> list[tuple[str, bytes]]:
    """Parse ``kid:base64key,…`` of HMAC keys of at least 32 bytes for the audit chain; the
    first hashes new events, every one verifies the events it hashed."""
    keys = _parse_keyed_list(value)
    for kid, key in keys.items():
        if len(key) < 32:
            raise ValueError(f"key {kid!r} must decode to at least 32 bytes, got {len(key)}")
    return list(keys.items())


def parse_keyring(value: str, cipher: str) -> Keyring:
    """Parse ``kid:base64key,kid:base64key`` (first entry active) for the given cipher.

    A key's length says which cipher it serves (32 bytes AES-256, 16 bytes SM4), so a keyring
    may hold keys of both while moving from one cipher to the other; the active key must fit
    ``cipher``.
    """
    keys = _parse_keyed_list(value)
    for kid, key in keys.items():
        if len(key) not in _KEY_BYTES.values():
            raise ValueError(f"key {kid!r} must be 32 bytes (AES-256) or 16 bytes (SM4), got {len(key)}")
    active_kid = next(iter(keys))
    if len(keys[active_kid]) != _KEY_BYTES[cipher]:
        raise ValueError(f"the active key {active_kid!r} must be {_KEY_BYTES[cipher]} bytes for {cipher}")
    return Keyring(cipher=cipher, keys=keys, active_kid=active_kid)


# --- the block cipher in GCM mode --------------------------------------------------------------


def _algorithm(cipher: str, key: bytes):
    return algorithms.AES(key) if cipher == AES_256_GCM else algorithms.SM4(key)


def gcm_encrypt(cipher: str, key: bytes, nonce: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
    """``ciphertext ‖ tag`` under AES-GCM or SM4-GCM (RFC 8998)."""
    if cipher == AES_256_GCM:
        return AESGCM(key).encrypt(nonce, plaintext, associated_data)  # the one-shot AEAD is ~3× faster
    encryptor = Cipher(_algorithm(cipher, key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(associated_data)
    return encryptor.update(plaintext) + encryptor.finalize() + encryptor.tag


def gcm_decrypt(cipher: str, key: bytes, nonce: bytes, sealed: bytes, associated_data: bytes) -> bytes:
    if len(sealed) < _TAG_BYTES:
        raise DecryptionError("ciphertext is truncated")
    if cipher == AES_256_GCM:
        try:
            return AESGCM(key).decrypt(nonce, sealed, associated_data)
        except InvalidTag:
            raise DecryptionError("authentication failed: wrong key, wrong context or altered data") from None
    body, tag = sealed[:-_TAG_BYTES], sealed[-_TAG_BYTES:]
    decryptor = Cipher(_algorithm(cipher, key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(associated_data)
    try:
        return decryptor.update(body) + decryptor.finalize()
    except InvalidTag:
        raise DecryptionError("authentication failed: wrong key, wrong context or altered data") from None


# --- envelope -----------------------------------------------------------------------------------


def encrypt(plaintext: str, *, context: str, keyring: Keyring | None = None) -> str:
    """Encrypt ``plaintext`` under a fresh data key wrapped by the active key."""
    keyring = keyring or _configured_keyring()
    cipher = keyring.cipher
    code = _CIPHER_CODES[cipher]
    data_key = os.urandom(_KEY_BYTES[cipher])
    wrap_nonce, payload_nonce = os.urandom(_NONCE_BYTES), os.urandom(_NONCE_BYTES)
    header = f"{PREFIX}${code}${keyring.active_kid}"
    wrapped = wrap_nonce + gcm_encrypt(cipher, keyring.active_key, wrap_nonce, data_key, header.encode())
    payload = payload_nonce + gcm_encrypt(
        cipher, data_key, payload_nonce, plaintext.encode("utf-8"), f"{header}|{context}".encode()
    )
    return f"{header}${_b64encode(wrapped)}${_b64encode(payload)}"


def decrypt(token: str, *, context: str, keyring: Keyring | None = None) -> str:
    """Decrypt a value written by :func:`encrypt`; raises :class:`DecryptionError`."""
    keyring = keyring or _configured_keyring()
    parts = token.split("$")
    if len(parts) != 5 or parts[0] != PREFIX or parts[1] not in _CODE_CIPHERS:
        raise DecryptionError("not a hub ciphertext")
    _, code, kid, wrapped_text, payload_text = parts
    cipher = _CODE_CIPHERS[code]
    key = keyring.keys.get(kid)
    if key is None:
        raise DecryptionError(f"unknown key id {kid!r}: is it still in HUB_ENCRYPTION_KEYS?")
    if len(key) != _KEY_BYTES[cipher]:
        raise DecryptionError(f"key {kid!r} does not fit cipher {cipher}")
    header = f"{PREFIX}${code}${kid}"
    try:
        wrapped, payload = _b64decode_trusted(wrapped_text), _b64decode_trusted(payload_text)
    except (binascii.Error, ValueError):
        raise DecryptionError("ciphertext is not valid base64") from None
    data_key = gcm_decrypt(cipher, key, wrapped[:_NONCE_BYTES], wrapped[_NONCE_BYTES:], header.encode())
    plaintext = gcm_decrypt(
        cipher, data_key, payload[:_NONCE_BYTES], payload[_NONCE_BYTES:], f"{header}|{context}".encode()
    )
    return plaintext.decode("utf-8")


def needs_rotation(token: str, keyring: Keyring | None = None) -> bool:
    keyring = keyring or _configured_keyring()
    return not token.startswith(keyring.active_prefix)


# --- blind indexes --------------------------------------------------------------------------------


def blind_index(value: str, *, purpose: str, key: bytes | None = None, cipher: str | None = None) -> str:
    """A keyed hash for looking up an encrypted value by equality.

    HMAC-SHA256, or HMAC-SM3 when the hub runs on SM4 (national algorithms throughout).
    ``purpose`` separates indexes of different fields, so equal values in two fields do not
    produce equal indexes.
    """
    key = key if key is not None else settings.HUB_BLIND_INDEX_KEY
    sm3 = (cipher or settings.HUB_CIPHER) == SM4_GCM
    return keyed_hash(key, f"{purpose}\x00{value}".encode(), sm3=sm3)


def keyed_hash(key: bytes, message: bytes, *, sm3: bool) -> str:
    """HMAC-SHA256 of ``message`` in hex, or HMAC-SM3 (GB/T 32905) for a hub on SM4."""
    if sm3:
        mac = crypto_hmac.HMAC(key, hashes.SM3())
        mac.update(message)
        return mac.finalize().hex()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _configured_keyring() -> Keyring:
    return settings.HUB_ENCRYPTION_KEYS
