"""Helpers the simulator tests share."""

from __future__ import annotations

import json
import time
from urllib.parse import urlsplit

import requests

from connectors.kinds.cdp_http_v1 import signing
from hub.categories import ALL_CATEGORIES
from hub.identifiers import make_uscc

KEY_ID = "zz-credit"


SECRET = "s3cret-中原"


ENTERPRISE = make_uscc(region_code="410105", serial=1)


OTHER_ENTERPRISE = make_uscc(region_code="410300", serial=2)


AUTHORIZATION = {
    "id": "3f1d2c84-8a51-4e0e-9a0c-7d1f2e9b6a10",
    "purpose": "loan_review",
    "expires_at": "2026-12-31T23:59:59+08:00",
}


def query_body(**overrides) -> dict:
    body = {
        "request_id": "7b0c5c1e-3a52-4c8f-9f57-3d1f0c0a9b11",
        "uscc": ENTERPRISE,
        "categories": list(ALL_CATEGORIES),
        "since": None,
        "authorization": AUTHORIZATION,
        "cursor": None,
    }
    return {**body, **overrides}


def send(
    base_url: str,
    method: str,
    endpoint: str,
    payload=None,
    *,
    key_id=KEY_ID,
    secret=SECRET,
    timestamp: int | None = None,
    clock_offset: int = 0,
    nonce: str | None = None,
    signed_path: str | None = None,
) -> requests.Response:
    """One signed CDP/1 request, as the hub sends it. ``clock_offset`` puts the hub's clock
    off by that many seconds; ``signed_path`` signs a different PATH than the one requested,
    to show which one the platform checks."""
    body = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode("utf-8")
    timestamp = str(int(time.time()) + clock_offset if timestamp is None else timestamp)
    nonce = nonce or signing.new_nonce()
    path = urlsplit(base_url).path + endpoint
    headers = {
        signing.KEY_HEADER: key_id,
        signing.TIMESTAMP_HEADER: timestamp,
        signing.NONCE_HEADER: nonce,
        signing.SIGNATURE_HEADER: signing.sign_request(secret, method, signed_path or path, timestamp, nonce, body),
    }
    if payload is not None:
        headers["Content-Type"] = "application/json"
    response = requests.request(method, base_url + endpoint, data=body, headers=headers, timeout=10)
    response.sent_nonce = nonce
    return response


def query(base_url: str, **overrides) -> requests.Response:
    return send(base_url, "POST", "/v1/records/query", query_body(**overrides))


def response_signature_is_valid(response: requests.Response, secret: str = SECRET) -> bool:
    expected = signing.sign_response(secret, response.sent_nonce, response.content)
    return signing.signatures_match(expected, response.headers.get(signing.SIGNATURE_HEADER))


def all_pages(base_url: str, **overrides) -> list[list[dict]]:
    pages, cursor = [], None
    while True:
        response = query(base_url, cursor=cursor, **overrides)
        assert response.status_code == 200, response.text
        assert response_signature_is_valid(response)
        pages.append(response.json()["records"])
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return pages


VECTOR_PATH, VECTOR_TIMESTAMP, VECTOR_NONCE = "/cdp/v1/records/query", "1790000000", "0123456789abcdef0123456789abcdef"


VECTOR_BODY = (
    b'{"request_id":"7b0c5c1e-3a52-4c8f-9f57-3d1f0c0a9b11","uscc":"91410100MA0000015B",'
    b'"categories":["tax"],"since":null,"cursor":null}'
)
