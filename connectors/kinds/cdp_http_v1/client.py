"""The hub's client for CDP/1 (CONNECTOR_PROTOCOL.md). The only module of this kind that
talks to the network."""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import quote, urlsplit

import requests
from django.utils.translation import gettext_lazy as _

from connectors.base import (
    Connector,
    ConnectorError,
    DisputeAnswer,
    DisputeSubmission,
    HealthReport,
    IdentityResult,
    RecordPage,
    RecordQuery,
)
from connectors.kinds.cdp_http_v1 import signing
from hub.net.addresses import AddressRefused, host_refusal
from hub.net.transport import checked_session

USER_AGENT = "xinyidai-hub/1 (CDP/1)"


class CdpHttpV1Connector(Connector):
    location_label = "Base URL (https://…, no trailing slash)"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._session = checked_session()
        self._path_prefix = urlsplit(self.base_url).path

    @classmethod
    def validate_location(cls, base_url: str) -> str | None:
        try:
            parts = urlsplit(base_url)
            parts.port  # noqa: B018 - raises on a port that is no number
        except ValueError:
            return str(_("must be an absolute https:// URL"))
        if parts.scheme not in ("https", "http") or not parts.hostname:
            return str(_("must be an absolute https:// URL"))
        if parts.username is not None or parts.password is not None:
            return str(_("must not carry a user name or password (the key id and secret are separate fields)"))
        if base_url.endswith("/") or parts.query or parts.fragment:
            return str(_("must have no trailing slash, query or fragment"))
        # Names are checked when they resolve, at every connection (transport.py).
        return host_refusal(parts.hostname, encrypted=parts.scheme == "https")

    @classmethod
    def validate_credentials(cls, key_id: str, secret: str) -> str | None:
        if not (key_id and secret):
            return str(_("A CDP/1 connector needs the key id and secret the platform issued."))
        return None

    # --- the endpoints ------------------------------------------------------------------------

    def fetch_page(self, query: RecordQuery, cursor: str | None) -> RecordPage:
        body = json.dumps(
            {
                "request_id": query.request_id,
                "uscc": query.uscc,
                "categories": query.categories,
                "since": query.since.isoformat() if query.since else None,
                "authorization": {
                    "id": query.authorization_id,
                    "purpose": query.purpose,
                    "expires_at": query.expires_at.isoformat(),
                },
                "cursor": cursor,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")
        response, nonce = self._send("POST", "/v1/records/query", body)
        if response.status_code == 404 and _error_code(response) == "unknown_subject":
            return RecordPage(records=[], next_cursor=None)
        self._raise_for_status(response)
        payload = self._verified_json(response, nonce)
        records, next_cursor = payload.get("records"), payload.get("next_cursor")
        if not isinstance(records, list) or not (next_cursor is None or isinstance(next_cursor, str)):
            raise ConnectorError(
                "response has no records list or a bad next_cursor", permanent=True, code="bad_response"
            )
        return RecordPage(records=records, next_cursor=next_cursor or None)

    def check_health(self) -> HealthReport:
        response, nonce = self._send("GET", "/v1/health", b"")
        self._raise_for_status(response)
        payload = self._verified_json(response, nonce)
        categories = payload.get("categories")
        capabilities = payload.get("capabilities")
        healthy = payload.get("status") == "ok"
        return HealthReport(
            healthy=healthy,
            categories=categories if isinstance(categories, list) else [],
            detail="" if healthy else f"status {payload.get('status')!r}",
            capabilities=(
                [item for item in capabilities if isinstance(item, str)]
                if isinstance(capabilities, list)
                else ["records"]
            ),
        )

    def verify_identity(self, *, uscc: str, name: str, id_number: str) -> str:
        body = json.dumps(
            {"uscc": uscc, "legal_representative": {"name": name, "id_number": id_number}},
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")
        response, nonce = self._send("POST", "/v1/identity/verify", body)
        if response.status_code == 404 and _error_code(response) == "unknown_subject":
            return IdentityResult.UNKNOWN_SUBJECT
        self._raise_for_status(response)
        result = self._verified_json(response, nonce).get("result")
        if result not in (IdentityResult.MATCH, IdentityResult.MISMATCH):
            raise ConnectorError("identity answer has no match or mismatch result", permanent=True, code="bad_response")
        return result

    def submit_dispute(self, submission: DisputeSubmission) -> None:
        body = json.dumps(
            {
                "dispute_id": submission.dispute_id,
                "uscc": submission.uscc,
                "category": submission.category,
                "source_id": submission.source_id,
                "reason": submission.reason,
                "evidence": [{"name": name, "sha256": sha256} for name, sha256 in submission.evidence],
                "filed_at": submission.filed_at.isoformat(),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")
        response, nonce = self._send("POST", "/v1/disputes", body)
        self._raise_for_status(response)
        payload = self._verified_json(response, nonce)
        if response.status_code != 202 or payload.get("dispute_id") != submission.dispute_id:
            raise ConnectorError(
                f"the platform did not accept the dispute (status {response.status_code})",
                permanent=True,
                code="bad_response",
            )

    def dispute_status(self, dispute_id: str) -> DisputeAnswer:
        response, nonce = self._send("GET", f"/v1/disputes/{quote(dispute_id, safe='')}", b"")
        if response.status_code == 404 and _error_code(response) == "unknown_dispute":
            raise ConnectorError("the platform does not know this dispute", permanent=True, code="unknown_dispute")
        self._raise_for_status(response)
        payload = self._verified_json(response, nonce)
        status, resolution = payload.get("status"), payload.get("resolution")
        if status not in DisputeAnswer.STATUSES or not (resolution is None or isinstance(resolution, str)):
            raise ConnectorError("dispute answer has no known status", permanent=True, code="bad_response")
        resolved_at = None
        if isinstance(payload.get("resolved_at"), str):
            try:
                resolved_at = datetime.fromisoformat(payload["resolved_at"])
            except ValueError:
                resolved_at = None
        return DisputeAnswer(status=status, resolution=resolution, resolved_at=resolved_at)

    # --- transport ----------------------------------------------------------------------------------

    def _send(self, method: str, path: str, body: bytes) -> tuple[requests.Response, str]:
        return signed_send(
            self._session,
            base_url=self.base_url,
            path_prefix=self._path_prefix,
            key_id=self.key_id,
            secret=self.secret,
            method=method,
            path=path,
            body=body,
            timeout=self.timeout,
            user_agent=USER_AGENT,
        )

    @staticmethod
    def _raise_for_status(response: requests.Response) -> None:
        status = response.status_code
        if 200 <= status < 300:
            return
        if status == 429:
            raise ConnectorError(
                "throttled by the platform", permanent=False, code="throttled", retry_after=_retry_after(response)
            )
        if status >= 500:
            raise ConnectorError(f"platform error {status}", permanent=False, code="server_error")
        if 300 <= status < 400:
            raise ConnectorError(
                f"the platform answered with a redirect ({status}), which the hub does not follow",
                permanent=True,
                code="redirect",
            )
        if status == 401:
            raise ConnectorError("the platform refused the hub's signature", permanent=True, code="bad_signature")
        detail = _error_code(response) or f"status {status}"
        raise ConnectorError(f"the platform rejected the request: {detail}"[:250], permanent=True, code="rejected")

    def _verified_json(self, response: requests.Response, nonce: str) -> dict:
        expected = signing.sign_response(self.secret, nonce, response.content)
        if not signing.signatures_match(expected, response.headers.get(signing.SIGNATURE_HEADER)):
            raise ConnectorError("response signature missing or wrong", permanent=True, code="bad_response_signature")
        try:
            payload = json.loads(response.content)
        except ValueError:
            raise ConnectorError("response is not JSON", permanent=True, code="bad_response") from None
        if not isinstance(payload, dict):
            raise ConnectorError("response is not a JSON object", permanent=True, code="bad_response")
        return payload


def _error_code(response: requests.Response) -> str | None:
    try:
        payload = response.json()
    except ValueError:
        return None
    return payload.get("error") if isinstance(payload, dict) and isinstance(payload.get("error"), str) else None


def _retry_after(response: requests.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None


def signed_send(
    session: requests.Session,
    *,
    base_url: str,
    path_prefix: str,
    key_id: str,
    secret: str,
    method: str,
    path: str,
    body: bytes,
    timeout: float,
    user_agent: str,
) -> tuple[requests.Response, str]:
    """One CDP/1-signed request through the address-checked session (the platforms' and the
    national node's clients alike): the answer and the nonce its signature is made over.
    Network failures are ConnectorErrors; the status is the caller's to judge."""
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": user_agent,
        **signing.signed_headers(secret=secret, key_id=key_id, method=method, path=path_prefix + path, body=body),
    }
    try:
        response = session.request(
            method,
            base_url + path,
            data=body or None,
            headers=headers,
            timeout=timeout,
            # A redirect could lead anywhere, past the address check: never followed.
            allow_redirects=False,
        )
    except AddressRefused as refused:
        raise ConnectorError(f"address refused: {refused}"[:250], permanent=True, code="forbidden_address") from None
    except requests.Timeout:
        raise ConnectorError("timed out", permanent=False, code="timeout") from None
    except requests.RequestException as error:
        raise ConnectorError(
            f"connection failed: {error.__class__.__name__}", permanent=False, code="connection"
        ) from None
    return response, headers[signing.NONCE_HEADER]
