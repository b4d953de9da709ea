"""The hub's client for the national platform (docs/national-uplink.md): CDP/1's signing both
ways and the connectors' outbound address checks (connectors/addresses.py, the pinned
transport). The only module of the national link that talks to the network."""

from __future__ import annotations

import json
from urllib.parse import urlencode, urlsplit

from django.conf import settings

from connectors.base import ConnectorError
from connectors.kinds.cdp_http_v1 import signing
from connectors.kinds.cdp_http_v1.client import signed_send
from connectors.national import protocol
from hub.net.addresses import host_refusal
from hub.net.transport import checked_session

USER_AGENT = "xinyidai-hub/1 (national-uplink/1)"


class NationalClient:
    def __init__(self, *, base_url: str, key_id: str, secret: str, timeout: float):
        self.base_url, self.key_id, self.secret, self.timeout = base_url, key_id, secret, timeout
        self._path_prefix = urlsplit(base_url).path
        self._session = checked_session()

    @classmethod
    def from_settings(cls) -> NationalClient:
        return cls(
            base_url=settings.HUB_NATIONAL_URL,
            key_id=settings.HUB_NATIONAL_KEY_ID,
            secret=settings.HUB_NATIONAL_SECRET,
            timeout=settings.HUB_CONNECTOR_TIMEOUT_SECONDS,
        )

    def send_batch(self, body: bytes) -> dict:
        return self._call("POST", protocol.BATCHES_PATH, body)

    def counts(self, day: str) -> dict:
        return self._call("GET", f"{protocol.COUNTS_PATH}?{urlencode({'day': day})}", b"")

    def demands(self, *, region_code: str, cursor: str | None) -> dict:
        query = {"province": region_code, **({"cursor": cursor} if cursor else {})}
        return self._call("GET", f"{protocol.DEMANDS_PATH}?{urlencode(query)}", b"")

    def close(self) -> None:
        self._session.close()

    # --- transport ------------------------------------------------------------------------------

    def _call(self, method: str, path: str, body: bytes) -> dict:
        parts = urlsplit(self.base_url)
        problem = host_refusal(parts.hostname or "", encrypted=parts.scheme == "https")
        if problem:
            raise ConnectorError(f"address refused: {problem}"[:250], permanent=True, code="forbidden_address")
        response, nonce = signed_send(
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
        status = response.status_code
        if status == 429 or status >= 500:
            raise ConnectorError(f"national platform answered {status}", permanent=False, code="server_error")
        if status == 401:
            raise ConnectorError(
                "the national platform refused the hub's signature", permanent=True, code="bad_signature"
            )
        if not 200 <= status < 300:
            raise ConnectorError(f"the national platform answered {status}", permanent=True, code="rejected")
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
