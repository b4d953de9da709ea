"""What every connector kind implements, and the one error type it raises.

A kind is a small client: it knows how to ask one kind of platform for one page of
records and whether the platform is healthy. Retries, circuit breaking, validation and
storage are the framework's (connectors/services/pulls.py), the same for every kind.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from datetime import date, datetime


class ConnectorError(Exception):
    """A failed call. ``permanent`` says whether trying again could help: bad credentials
    or a rejected request are permanent; timeouts, 5xx and throttling are not.
    ``retry_after`` is the delay the platform asked for, in seconds."""

    def __init__(self, message: str, *, permanent: bool, code: str = "error", retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.code = code
        self.retry_after = retry_after


@dataclass(frozen=True)
class RecordQuery:
    """What the hub asks a platform for: one enterprise, some categories, under one
    authorization (CDP/1 ``/v1/records/query``)."""

    request_id: str
    uscc: str
    categories: list[str]
    authorization_id: str
    purpose: str
    expires_at: datetime
    since: date | None = None
    # category → the earliest day the retention policy lets this pull store (look-back).
    lookback: dict[str, date] = field(default_factory=dict)

    def since_for(self, categories: list[str]) -> date | None:
        """The ``since`` to send for ``categories``: the earliest of their bounds, or None
        when one of them is unbounded (records older than their own category's bound are
        then dropped when stored)."""
        if not categories or any(category not in self.lookback for category in categories):
            return None
        return min(self.lookback[category] for category in categories)


@dataclass
class RecordPage:
    """One page of raw records (validated later by the framework) and where to go on."""

    records: list = field(default_factory=list)
    next_cursor: str | None = None


@dataclass(frozen=True)
class HealthReport:
    healthy: bool
    categories: list[str]
    detail: str = ""
    # What the platform serves beyond records: "identity" (legal representative checks),
    # "disputes" (CONNECTOR_PROTOCOL.md); a platform that names none serves records only.
    capabilities: list[str] = field(default_factory=lambda: ["records"])


@dataclass(frozen=True)
class DisputeSubmission:
    """An enterprise's objection to a record, as the hub forwards it (CDP/1 ``POST /v1/disputes``)."""

    dispute_id: str
    uscc: str
    category: str
    source_id: str
    reason: str
    filed_at: datetime
    # (file name, lowercase hex SHA-256) of each evidence file; the files stay in the hub.
    evidence: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class DisputeAnswer:
    """Where a platform says a dispute stands (CDP/1 ``GET /v1/disputes/{id}``)."""

    status: str  # received, investigating, upheld, rejected
    resolution: str | None = None
    resolved_at: datetime | None = None

    STATUSES = ("received", "investigating", "upheld", "rejected")


class IdentityResult:
    """The answers of a legal representative check."""

    MATCH = "match"
    MISMATCH = "mismatch"
    UNKNOWN_SUBJECT = "unknown_subject"


class Connector(abc.ABC):
    """One connector record's client. Built from the record's settings; holds no state
    between calls, so one instance may serve several threads."""

    #: Shown on the connector registration form: what ``base_url`` means for this kind.
    location_label = "Base URL"

    def __init__(self, *, base_url: str, key_id: str, secret: str, timeout: float = 10.0):
        self.base_url = base_url
        self.key_id = key_id
        self.secret = secret
        self.timeout = timeout

    @classmethod
    def validate_location(cls, base_url: str) -> str | None:
        """Why ``base_url`` is unusable for this kind, or None."""
        return None

    @classmethod
    def validate_credentials(cls, key_id: str, secret: str) -> str | None:
        """Why the credentials the platform issued are unusable for this kind, or None."""
        return None

    @abc.abstractmethod
    def fetch_page(self, query: RecordQuery, cursor: str | None) -> RecordPage:
        """One page of records; raises :class:`ConnectorError`."""

    @abc.abstractmethod
    def check_health(self) -> HealthReport:
        """Whether the platform answers; raises :class:`ConnectorError` when it does not."""

    def verify_identity(self, *, uscc: str, name: str, id_number: str) -> str:
        """Check the legal representative's name and ID number against the registration
        authority's record (capability ``identity``): an :class:`IdentityResult`. Kinds
        without the capability refuse permanently."""
        raise ConnectorError("this kind of connector cannot check identities", permanent=True, code="unsupported")

    def submit_dispute(self, submission: DisputeSubmission) -> None:
        """Forward a dispute (capability ``disputes``); returns once the platform accepted it
        (202, idempotent on ``dispute_id``). Kinds without the capability refuse permanently."""
        raise ConnectorError("this kind of connector cannot take disputes", permanent=True, code="unsupported")

    def dispute_status(self, dispute_id: str) -> DisputeAnswer:
        """Where the platform says the dispute stands; raises :class:`ConnectorError`
        (``unknown_dispute``, permanent, when the platform does not know it)."""
        raise ConnectorError("this kind of connector cannot take disputes", permanent=True, code="unsupported")
