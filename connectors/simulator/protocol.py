"""The simulated platform's side of CDP/1, without the HTTP server: how it is configured to
behave, the ``error`` texts of its answers, how it reads and checks a records query and its
cursors, and how it breaks records on purpose."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import date, datetime

from connectors.categories import RECORD_FIELDS
from hub.categories import ALL_CATEGORIES
from hub.identifiers import uscc_errors

logger = logging.getLogger(__name__)


RATE_FIELDS = ("error_rate", "rate_limit_rate", "malformed_rate", "duplicate_rate", "unknown_rate")


class Errors:
    """The ``error`` of every non-2xx answer, as constants tests assert on. The 400 messages
    name what is wrong; some get a detail appended after a colon."""

    BAD_SIGNATURE = "bad_signature"
    UNKNOWN_SUBJECT = "unknown_subject"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    UNAVAILABLE = "unavailable"
    RATE_LIMITED = "rate_limited"
    INTERNAL = "internal_error"
    LENGTH_REQUIRED = "a body needs a Content-Length (chunked bodies are not accepted)"
    BODY_TOO_LARGE = "body is larger than 1 MB"
    BODY_NOT_OBJECT = "body must be a JSON object in UTF-8"
    REQUEST_ID = "request_id must be a non-empty string"
    USCC = "uscc is not a valid unified social credit code"
    CATEGORIES = "categories must be a non-empty list of known categories"
    SINCE = "since must be null or a date YYYY-MM-DD"
    AUTHORIZATION = "authorization must be an object with id, purpose and expires_at (ISO 8601 with offset)"
    CURSOR_TYPE = "cursor must be null or a string"
    CURSOR_FOREIGN = "cursor was not issued for this query"
    IDENTITY_BODY = "body must be an object with uscc and legal_representative {name, id_number}"
    DISPUTE_BODY = (
        "body must be an object with dispute_id (1 to 64 characters), uscc, a known category, source_id, "
        "reason, evidence (a list of {name, sha256}) and filed_at"
    )
    UNKNOWN_DISPUTE = "unknown_dispute"


DISPUTE_OUTCOMES = ("upheld", "rejected")


@dataclass(frozen=True)
class SimulatorConfig:
    """How one simulated platform behaves. All rates are fractions between 0 and 1.

    ``error_rate`` of calls get 503 and ``rate_limit_rate`` get 429 with ``Retry-After: 1``;
    ``malformed_rate`` of records are replaced by schema-breaking ones and ``duplicate_rate``
    of records are sent twice (same ``source_id``, same content, within or across pages);
    ``unknown_rate`` of enterprises are unknown (404 ``unknown_subject``), chosen by hashing
    the USCC so every request agrees; ``wrong_signature`` signs 2xx answers with a wrong
    secret. ``path_prefix`` (e.g. ``/cdp``) is the base URL's own path, which the hub must sign.
    """

    key_id: str
    secret: str
    categories: tuple[str, ...] = ALL_CATEGORIES
    page_size: int = 50
    latency_ms: int = 0
    error_rate: float = 0.0
    rate_limit_rate: float = 0.0
    malformed_rate: float = 0.0
    duplicate_rate: float = 0.0
    unknown_rate: float = 0.0
    wrong_signature: bool = False
    seed: str = ""
    path_prefix: str = ""
    identity: bool = True
    disputes: bool = True
    dispute_outcome: str = "upheld"
    dispute_delay: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "categories", tuple(self.categories))
        for name in RATE_FIELDS:
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"{name} must be between 0 and 1, not {value}")
        unknown = [category for category in self.categories if category not in ALL_CATEGORIES]
        if unknown:
            raise ValueError(f"unknown categories: {', '.join(unknown)}")
        if self.page_size < 1:
            raise ValueError("page_size must be at least 1")
        if self.latency_ms < 0:
            raise ValueError("latency_ms must not be negative")
        if self.path_prefix and (not self.path_prefix.startswith("/") or self.path_prefix.endswith("/")):
            raise ValueError("path_prefix must be empty or start with / and not end with one")
        if self.dispute_outcome not in DISPUTE_OUTCOMES:
            raise ValueError(f"dispute_outcome must be one of {', '.join(DISPUTE_OUTCOMES)}")
        if self.dispute_delay < 0:
            raise ValueError("dispute_delay must not be negative")
        if not self.key_id or not self.secret:
            raise ValueError("key_id and secret must not be empty")

    def knows(self, uscc: str) -> bool:
        """Whether this platform holds anything on ``uscc``; the seed is part of the draw so
        that two simulated cities know different enterprises."""
        digest = hashlib.sha256(f"{self.seed}|{uscc}|subject".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64 >= self.unknown_rate


# --- the query: validation and cursors --------------------------------------------------------


class QueryError(Exception):
    """The hub sent something wrong: answered 400 with this message."""


@dataclass(frozen=True)
class Query:
    uscc: str
    categories: tuple[str, ...]  # deduplicated, in the canonical category order
    since: str | None
    cursor: str | None
    # The consent's purpose as the hub named it (a bank's, or ``self``: the enterprise's own).
    purpose: str = ""

    @property
    def fingerprint(self) -> str:
        """Ties a cursor to the query it was issued for."""
        text = f"{self.uscc}|{','.join(self.categories)}|{self.since or ''}"
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def cursor_for(self, offset: int) -> str:
        raw = json.dumps({"offset": offset, "q": self.fingerprint}, separators=(",", ":")).encode("utf-8")
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    def offset(self, total: int) -> int:
        """Where the page starts; raises ``QueryError`` for a cursor of another query."""
        if self.cursor is None:
            return 0
        try:
            padded = self.cursor + "=" * (-len(self.cursor) % 4)
            decoded = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        except ValueError:  # bad base64, bad UTF-8 and bad JSON are all ValueErrors
            raise QueryError(Errors.CURSOR_FOREIGN) from None
        if not isinstance(decoded, dict) or decoded.get("q") != self.fingerprint:
            raise QueryError(Errors.CURSOR_FOREIGN)
        offset = decoded.get("offset")
        if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset <= total:
            raise QueryError(Errors.CURSOR_FOREIGN)
        return offset


def parse_query(body: bytes) -> Query:
    """The query in a request body (CONNECTOR_PROTOCOL.md, ``POST /v1/records/query``).

    ``since`` and ``cursor`` may be null or absent; extra keys are ignored so that a hub
    speaking a later minor version is not refused. Raises ``QueryError`` naming the problem.
    """
    try:
        payload = json.loads(body.decode("utf-8"))
    except ValueError:
        raise QueryError(Errors.BODY_NOT_OBJECT) from None
    if not isinstance(payload, dict):
        raise QueryError(Errors.BODY_NOT_OBJECT)
    request_id = payload.get("request_id")
    if not isinstance(request_id, str) or not request_id:
        raise QueryError(Errors.REQUEST_ID)
    uscc = payload.get("uscc")
    problems = uscc_errors(uscc) if isinstance(uscc, str) else ["not a string"]
    if problems:
        raise QueryError(f"{Errors.USCC}: {problems[0]}")
    categories = payload.get("categories")
    if not isinstance(categories, list) or not categories:
        raise QueryError(Errors.CATEGORIES)
    unknown = [json.dumps(category, ensure_ascii=False) for category in categories if category not in ALL_CATEGORIES]
    if unknown:
        raise QueryError(f"{Errors.CATEGORIES}: unknown {', '.join(unknown)}")
    since = payload.get("since")
    if since is not None and not _is_date(since):
        raise QueryError(Errors.SINCE)
    if not _is_authorization(payload.get("authorization")):
        raise QueryError(Errors.AUTHORIZATION)
    cursor = payload.get("cursor")
    if cursor is not None and not isinstance(cursor, str):
        raise QueryError(Errors.CURSOR_TYPE)
    ordered = tuple(category for category in ALL_CATEGORIES if category in categories)
    return Query(uscc, ordered, since, cursor, purpose=payload["authorization"]["purpose"])


@dataclass(frozen=True)
class DisputeFiled:
    dispute_id: str
    uscc: str
    category: str
    source_id: str


def parse_dispute(body: bytes) -> DisputeFiled:
    """A dispute in a request body (``POST /v1/disputes``); raises ``QueryError``."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except ValueError:
        raise QueryError(Errors.DISPUTE_BODY) from None
    if not isinstance(payload, dict):
        raise QueryError(Errors.DISPUTE_BODY)
    dispute_id, uscc = payload.get("dispute_id"), payload.get("uscc")
    evidence = payload.get("evidence", [])
    if (
        not isinstance(dispute_id, str)
        or not 1 <= len(dispute_id) <= 64
        or not isinstance(uscc, str)
        or uscc_errors(uscc)
        or payload.get("category") not in ALL_CATEGORIES
        or not all(isinstance(payload.get(key), str) and payload[key] for key in ("source_id", "reason", "filed_at"))
        or not isinstance(evidence, list)
        or not all(isinstance(item, dict) and isinstance(item.get("sha256"), str) for item in evidence)
    ):
        raise QueryError(Errors.DISPUTE_BODY)
    return DisputeFiled(dispute_id, uscc, payload["category"], payload["source_id"])


def _is_date(value) -> bool:
    if not isinstance(value, str) or len(value) != 10:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_authorization(value) -> bool:
    """An object naming the consent the pull relies on. The simulator checks its shape only:
    it cannot look consents up, and the hub is the one that enforces them."""
    if not isinstance(value, dict):
        return False
    if not all(isinstance(value.get(key), str) and value[key] for key in ("id", "purpose", "expires_at")):
        return False
    try:
        expires_at = datetime.fromisoformat(value["expires_at"])
    except ValueError:
        return False
    return expires_at.tzinfo is not None


# --- misbehaviour -----------------------------------------------------------------------------

# A value of the wrong type for each field type of categories.RECORD_FIELDS.
WRONG_TYPE_VALUES = {
    "string": 12345,
    "amount": 12345.6,
    "date": "2024/01/31",
    "period": "2024-13",
    "int": "12",
    "bool": "yes",
}


def broken_record(record: dict, how: str) -> dict:
    """``record`` made to break the schema in one of the ways the protocol names."""
    if how == "missing_source_id":
        return {key: value for key, value in record.items() if key != "source_id"}
    if how == "missing_category":
        return {key: value for key, value in record.items() if key != "category"}
    if how == "unknown_category":
        return {**record, "category": "horoscope"}
    if how == "data_not_object":
        return {**record, "data": list(record["data"].items())}
    if how == "wrong_field_type":
        field_name, field_type = next(iter(RECORD_FIELDS[record["category"]].items()))
        return {**record, "data": {**record["data"], field_name: WRONG_TYPE_VALUES[field_type.name]}}
    raise ValueError(how)


BREAKAGES = ("missing_source_id", "missing_category", "unknown_category", "data_not_object", "wrong_field_type")
