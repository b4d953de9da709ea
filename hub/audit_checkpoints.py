"""Signed checkpoints of the audit chains, kept outside the database.

The keyed hashes of the audit chain show any event that was changed, but not events cut from
the end of a chain with its head moved back, nor a whole chain removed: nothing is left to
check. So the hub periodically signs a statement of every chain's head — chain, sequence,
hash — with its Ed25519 signing key (a compact JWS, ``typ`` ``audit-checkpoint+jwt``, checked
with the JWKS published at ``/api/v1/hub/keys/``), writes it as one file to
``HUB_AUDIT_CHECKPOINT_DIR`` (storage that should live off the database host) and, when
``HUB_AUDIT_CHECKPOINT_URL`` is set, POSTs it there (a regulator's endpoint, say).
``verify_audit`` holds every chain to the newest checkpoints: at least as long, and the same
hash at the sequence they name.

A checkpoint never moves a chain back: when a chain is shorter than in the previous
checkpoint, no longer has that checkpoint's hash at its sequence, or is gone, the new
checkpoint repeats the previous entry and the error is logged. So the newest checkpoint alone
still catches what was done before it.

``legacy_until`` is how many first events of a chain were stored before the chain was keyed
(plain SHA-256, accepted only that far). It comes from the database (migration 0009) only for
the very first checkpoint and is carried from checkpoint to checkpoint after it; a chain that
first appears later has none.

The heads are read in one query over the chain heads table, whatever the number of events.
When they are what the newest checkpoint says, no file is written: the task is safe to run
twice (two runs at the same instant may both write, which is harmless — two files with the
same heads).
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

import jwt
import requests
from django.conf import settings
from django.db import connection
from django.utils import timezone

from hub.audit import Pin
from hub.models import AuditChainHead, AuditEvent
from hub.receipts import ISSUER, public_jwks, sign_jws

logger = logging.getLogger(__name__)

TYP = "audit-checkpoint+jwt"
MEDIA_TYPE = "application/jose"  # a compact JWS (RFC 7515, section 9.2.1)
PREFIX = "audit-checkpoint-"
SUFFIX = ".jws"
SEND_TIMEOUT_SECONDS = 10


class Reasons:
    """Why a checkpoint file is refused (what ``verify_audit`` prints after its name)."""

    SIGNATURE = "its signature does not verify against the hub's signing keys"
    UNKNOWN_KEY = "signed with key {kid!r}, which the hub does not publish"
    MALFORMED = "not an audit checkpoint: {detail}"


class BrokenCheckpoint(Exception):
    def __init__(self, name: str, reason: str):
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


class CheckpointNotDelivered(Exception):
    """The checkpoint URL did not take the checkpoint; ``permanent`` when trying again cannot help."""

    def __init__(self, message: str, *, permanent: bool):
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Checkpoint:
    name: str
    claims: dict

    @property
    def heads(self) -> list[dict]:
        return self.claims["heads"]


def checkpoint_directory() -> Path:
    return Path(settings.HUB_AUDIT_CHECKPOINT_DIR)


def checkpoint_names(directory: Path) -> list[str]:
    """The checkpoint files in ``directory``, oldest first (their names sort by time)."""
    if not directory.is_dir():
        return []
    return sorted(path.name for path in directory.glob(f"{PREFIX}*{SUFFIX}"))


def checkpoint_read(directory: Path, name: str, *, jwks: dict | None = None) -> Checkpoint:
    """Read and verify one checkpoint file against the hub's published keys; raises
    :class:`BrokenCheckpoint` naming the file."""
    jwks = jwks or public_jwks()
    token = (directory / name).read_text(encoding="ascii", errors="replace").strip()
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as error:
        raise BrokenCheckpoint(name, Reasons.MALFORMED.format(detail=error)) from None
    if header.get("typ") != TYP:
        raise BrokenCheckpoint(name, Reasons.MALFORMED.format(detail=f"typ is {header.get('typ')!r}"))
    key = next((key for key in jwks["keys"] if key["kid"] == header.get("kid")), None)
    if key is None:
        raise BrokenCheckpoint(name, Reasons.UNKNOWN_KEY.format(kid=header.get("kid")))
    try:
        claims = jwt.decode(
            token, jwt.PyJWK(key).key, algorithms=["EdDSA"], issuer=ISSUER, options={"require": ["iss", "iat"]}
        )
    except jwt.InvalidSignatureError:
        raise BrokenCheckpoint(name, Reasons.SIGNATURE) from None
    except jwt.InvalidTokenError as error:
        raise BrokenCheckpoint(name, Reasons.MALFORMED.format(detail=error)) from None
    if not _well_formed(claims.get("heads")):
        raise BrokenCheckpoint(name, Reasons.MALFORMED.format(detail="heads is not a list of chain heads"))
    return Checkpoint(name, claims)


def _well_formed(heads) -> bool:
    fields = {"chain": str, "sequence": int, "hash": str, "legacy_until": int}
    return isinstance(heads, list) and all(
        isinstance(head, dict) and all(isinstance(head.get(field), kind) for field, kind in fields.items())
        for head in heads
    )


def checkpoints_latest(directory: Path, *, count: int = 1) -> list[Checkpoint]:
    """The newest ``count`` checkpoints, oldest first, each verified; raises
    :class:`BrokenCheckpoint` for the first that does not verify."""
    jwks = public_jwks()
    return [checkpoint_read(directory, name, jwks=jwks) for name in checkpoint_names(directory)[-count:]]


def checkpoint_pins(checkpoints: list[Checkpoint]) -> dict[str, list[Pin]]:
    """What the checkpoints (oldest first) say of each chain, for ``audit.verify_chains``."""
    pins: dict[str, list[Pin]] = {}
    for checkpoint in checkpoints:
        for head in checkpoint.heads:
            pins.setdefault(head["chain"], []).append(
                Pin(head["sequence"], head["hash"], head["legacy_until"], checkpoint.name)
            )
    return pins


# --- writing ------------------------------------------------------------------------------------


def checkpoint_write(*, directory: Path | None = None) -> tuple[str, bool]:
    """Sign every chain's head and write it as a new checkpoint file, atomically; returns
    (file name, whether it was written). Nothing is written when the heads are those of the
    newest checkpoint, whose name is returned."""
    directory = directory or checkpoint_directory()
    directory.mkdir(parents=True, exist_ok=True)
    previous = _newest_valid(directory)
    heads = [
        {"chain": chain, "sequence": sequence, "hash": last_hash, "legacy_until": legacy}
        for chain, sequence, last_hash, legacy in AuditChainHead.objects.order_by("chain").values_list(
            "chain", "sequence", "last_hash", "legacy_sequence"
        )
    ]
    if previous is not None:
        heads = _never_backwards(heads, previous)
        if heads == previous.heads:
            return previous.name, False
    now = timezone.now()
    claims = {"iss": ISSUER, "iat": int(now.timestamp()), "at": now.isoformat(timespec="microseconds"), "heads": heads}
    name = f"{PREFIX}{now.astimezone(UTC):%Y%m%dT%H%M%S%fZ}{SUFFIX}"
    _write_atomically(directory / name, sign_jws(claims, typ=TYP))
    return name, True


def _newest_valid(directory: Path) -> Checkpoint | None:
    jwks = public_jwks()
    for name in reversed(checkpoint_names(directory)):
        try:
            return checkpoint_read(directory, name, jwks=jwks)
        except BrokenCheckpoint as error:
            logger.error("audit checkpoint %s is refused, the one before it is used: %s", name, error.reason)
    return None


def _never_backwards(heads: list[dict], previous: Checkpoint) -> list[dict]:
    current = {head["chain"]: head for head in heads}
    moved = [
        (chain, head["sequence"])
        for chain, head in ((head["chain"], head) for head in previous.heads)
        if chain in current and current[chain]["sequence"] > head["sequence"]
    ]
    stored = _hashes_at(moved)
    for earlier in previous.heads:
        chain, now = earlier["chain"], current.get(earlier["chain"])
        if now is None:
            problem = "is gone"
        elif now["sequence"] < earlier["sequence"]:
            problem = f"went back from sequence {earlier['sequence']} to {now['sequence']}"
        elif stored.get((chain, earlier["sequence"]), now["hash"]) != earlier["hash"]:
            problem = f"has another hash at sequence {earlier['sequence']}"
        else:
            now["legacy_until"] = earlier["legacy_until"]
            continue
        logger.error(
            "audit chain %s %s since checkpoint %s; the new checkpoint repeats what that one said",
            chain,
            problem,
            previous.name,
        )
        current[chain] = dict(earlier)
    earlier_chains = {head["chain"] for head in previous.heads}
    for chain, head in current.items():
        if chain not in earlier_chains:
            head["legacy_until"] = 0  # a chain begun since the chains were keyed
    return [current[chain] for chain in sorted(current)]


def _hashes_at(positions: list[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """The stored hashes at (chain, sequence) positions, a few thousand per indexed query."""
    batch = min(2000, (connection.features.max_query_params or 65535) // 2 - 1)
    table = AuditEvent._meta.db_table
    found = {}
    with connection.cursor() as cursor:
        for start in range(0, len(positions), batch):
            part = positions[start : start + batch]
            cursor.execute(
                f"SELECT chain, sequence, hash FROM {table} WHERE (chain, sequence) IN "
                f"(VALUES {', '.join(['(%s, %s)'] * len(part))})",
                [value for position in part for value in position],
            )
            found.update({(chain, sequence): stored for chain, sequence, stored in cursor.fetchall()})
    return found


def _write_atomically(path: Path, text: str) -> None:
    """A whole file or none: written beside its place, flushed to disk, renamed into place,
    and the directory flushed so the rename survives a crash."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=SUFFIX)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(text + "\n")
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o640)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


# --- sending ------------------------------------------------------------------------------------


def checkpoint_send(name: str, *, directory: Path | None = None) -> None:
    """POST one checkpoint file to HUB_AUDIT_CHECKPOINT_URL as ``application/jose``; raises
    :class:`CheckpointNotDelivered` (permanent for a 4xx other than 408 and 429)."""
    token = ((directory or checkpoint_directory()) / name).read_text(encoding="ascii").strip()
    try:
        response = requests.post(
            settings.HUB_AUDIT_CHECKPOINT_URL,
            data=token.encode("ascii"),
            headers={"Content-Type": MEDIA_TYPE},
            timeout=SEND_TIMEOUT_SECONDS,
        )
    except requests.RequestException as error:
        raise CheckpointNotDelivered(f"{type(error).__name__}: {error}", permanent=False) from None
    if response.status_code >= 400:
        transient = response.status_code >= 500 or response.status_code in (408, 429)
        raise CheckpointNotDelivered(f"HTTP {response.status_code}", permanent=not transient)
