"""The reference platform simulator follows CDP/1: signing vectors, generated data, answers."""

from __future__ import annotations

import time
from collections import Counter

import pytest
import requests

from connectors.categories import record_errors
from connectors.kinds.cdp_http_v1 import signing
from connectors.simulator.data import records_for
from connectors.simulator.server import Errors
from connectors.simulator.subjects import ANCHOR_DATE
from hub.categories import ALL_CATEGORIES
from hub.identifiers import make_uscc
from tests.connectors.simulator.helpers import (
    AUTHORIZATION,
    ENTERPRISE,
    OTHER_ENTERPRISE,
    VECTOR_BODY,
    VECTOR_NONCE,
    VECTOR_PATH,
    VECTOR_TIMESTAMP,
    all_pages,
    query,
    query_body,
    response_signature_is_valid,
    send,
)


def test_canonical_request_of_a_post_is_five_lines_without_a_trailing_newline():
    canonical = signing.canonical_request("post", VECTOR_PATH, VECTOR_TIMESTAMP, VECTOR_NONCE, VECTOR_BODY)

    assert canonical == (
        "POST\n/cdp/v1/records/query\n1790000000\n0123456789abcdef0123456789abcdef\n"
        "cdc77f588361aaf970970a87800b6a87557651adfe7b960e4b4486144f24eb10"
    )


def test_request_signature_of_a_post_matches_the_fixed_vector():
    signature = signing.sign_request("s3cret-中原", "POST", VECTOR_PATH, VECTOR_TIMESTAMP, VECTOR_NONCE, VECTOR_BODY)

    assert signature == "ed3888d60a7c92e0d6fed287d26a19c7d59ffabfd4cacb60d56c0ccdc1e1e7d3"


def test_request_signature_of_a_get_hashes_the_empty_body():
    canonical = signing.canonical_request("GET", "/v1/health", "1790000000", "fedcba9876543210fedcba9876543210", b"")
    signature = signing.sign_request(
        "s3cret-中原", "GET", "/v1/health", "1790000000", "fedcba9876543210fedcba9876543210", b""
    )

    assert canonical == (
        "GET\n/v1/health\n1790000000\nfedcba9876543210fedcba9876543210\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert signature == "e8bd0ef02662fe36680ce1e4b4ac126d37494b7811136475914fbbf54bcccdbe"


def test_response_signature_matches_the_fixed_vector():
    body = b'{"status":"ok","categories":["tax","penalty"]}'

    signature = signing.sign_response("s3cret-中原", "fedcba9876543210fedcba9876543210", body)

    assert signature == "d6701e3fa16dba9b0823f4e9b414daa29e37adb17adbf5fa680be9cd60165327"


def test_generated_records_pass_the_schema_for_enterprises_anywhere():
    regions = ("410105", "410300", "110105", "320500")
    usccs = [make_uscc(region_code=region, serial=serial) for region in regions for serial in range(1, 26)]
    usccs += [
        make_uscc(region_code="410105", serial=9, entity_type="2"),
        make_uscc(region_code="410300", serial=9, entity_type="3"),
    ]

    for uscc in usccs:
        for category in ALL_CATEGORIES:
            records = records_for(uscc, category)

            assert [error for record in records for error in record_errors(record)] == []
            assert len({record["source_id"] for record in records}) == len(records)
            assert [record["occurred_on"] for record in records] == sorted(record["occurred_on"] for record in records)


def test_periodic_records_cover_the_promised_spans():
    tax = records_for(ENTERPRISE, "tax")
    social_insurance = records_for(ENTERPRISE, "social_insurance")

    assert 8 <= len(tax) <= 16 and all(record["data"]["period"][5] == "Q" for record in tax)
    assert [record["data"]["period"] for record in social_insurance][-1] == "2026-08"
    assert len(social_insurance) == len(records_for(ENTERPRISE, "housing_fund")) == 24
    assert len(records_for(ENTERPRISE, "rating")) == 1


def test_some_penalties_stay_unrepaired_after_their_publicity_ends():
    usccs = [make_uscc(region_code="410100", serial=serial) for serial in range(1, 60)]

    penalties = [record["data"] for uscc in usccs for record in records_for(uscc, "penalty")]

    assert {penalty["severity"] for penalty in penalties} == {"minor", "ordinary", "serious"}
    assert any(
        penalty["publicity_ends_on"] < ANCHOR_DATE.isoformat() and not penalty["repaired"] for penalty in penalties
    )
    assert any(penalty["publicity_ends_on"] > ANCHOR_DATE.isoformat() for penalty in penalties)


def test_the_seed_changes_the_story():
    assert records_for(ENTERPRISE, "tax", seed="a") == records_for(ENTERPRISE, "tax", seed="a")
    assert records_for(ENTERPRISE, "tax", seed="a") != records_for(ENTERPRISE, "tax", seed="b")


def test_health_lists_the_served_categories_and_is_signed(simulator):
    platform = simulator(categories=("tax", "penalty"))

    response = send(platform.base_url, "GET", "/v1/health")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "categories": ["tax", "penalty"],
        "capabilities": ["records", "identity", "disputes"],
    }
    assert (
        response.content
        == b'{"status":"ok","categories":["tax","penalty"],"capabilities":["records","identity","disputes"]}'
    )
    assert response_signature_is_valid(response)
    assert platform.stats == Counter({("/v1/health", 200): 1})


def test_health_also_needs_a_signature(simulator):
    platform = simulator()

    response = requests.get(platform.base_url + "/v1/health", timeout=10)

    assert response.status_code == 401
    assert response.json() == {"error": Errors.BAD_SIGNATURE}


def test_a_query_returns_signed_records_that_pass_the_schema(simulator):
    platform = simulator(page_size=1000)

    response = query(platform.base_url)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response_signature_is_valid(response)
    records = response.json()["records"]
    assert {record["category"] for record in records} >= {"registration", "tax", "social_insurance", "rating"}
    assert [error for record in records for error in record_errors(record)] == []
    assert response.json()["next_cursor"] is None


def test_two_servers_with_the_same_seed_serve_the_same_records(simulator):
    first, second = simulator(seed="zz", page_size=20), simulator(seed="zz", page_size=20)

    first_pages, second_pages = all_pages(first.base_url), all_pages(second.base_url)

    assert first_pages == second_pages


def test_pagination_follows_next_cursor_to_the_end_without_duplicates(simulator):
    platform = simulator(page_size=7)
    everything = simulator(page_size=1000)

    pages = all_pages(platform.base_url)

    source_ids = [(record["category"], record["source_id"]) for page in pages for record in page]
    assert len(pages) > 2 and all(len(page) == 7 for page in pages[:-1])
    assert len(source_ids) == len(set(source_ids))
    assert [record for page in pages for record in page] == all_pages(everything.base_url)[0]


def test_categories_and_since_filter_the_records(simulator):
    platform = simulator(categories=("tax", "penalty", "rating"), page_size=1000)

    response = query(platform.base_url, categories=["tax", "social_insurance", "rating"], since="2025-01-01")

    records = response.json()["records"]
    assert response.status_code == 200
    assert {record["category"] for record in records} == {"tax", "rating"}  # social_insurance is not served
    assert min(record["occurred_on"] for record in records) >= "2025-01-01"
    expected_tax = [record for record in records_for(ENTERPRISE, "tax") if record["occurred_on"] >= "2025-01-01"]
    assert [record for record in records if record["category"] == "tax"] == expected_tax


def test_a_cursor_from_another_query_is_refused(simulator):
    platform = simulator(page_size=5)
    cursor = query(platform.base_url).json()["next_cursor"]

    other_enterprise = query(platform.base_url, uscc=OTHER_ENTERPRISE, cursor=cursor)
    other_categories = query(platform.base_url, categories=["tax"], cursor=cursor)
    garbage = query(platform.base_url, cursor="not-a-cursor")

    for response in (other_enterprise, other_categories, garbage):
        assert response.status_code == 400
        assert response.json() == {"error": Errors.CURSOR_FOREIGN}
    assert query(platform.base_url, cursor=cursor).status_code == 200


@pytest.mark.parametrize(
    "tampering",
    [
        {"secret": "not-the-secret"},
        {"key_id": "someone-else"},
        {"clock_offset": -signing.CLOCK_SKEW_SECONDS - 60},
        {"clock_offset": signing.CLOCK_SKEW_SECONDS + 60},
        {"nonce": "NOT-HEX"},
    ],
    ids=["wrong-signature", "unknown-key", "stale-timestamp", "future-timestamp", "malformed-nonce"],
)
def test_a_request_that_is_not_properly_signed_is_refused(simulator, tampering):
    platform = simulator()

    response = send(platform.base_url, "POST", "/v1/records/query", query_body(), **tampering)

    assert response.status_code == 401
    assert response.json() == {"error": Errors.BAD_SIGNATURE}
    assert signing.SIGNATURE_HEADER not in response.headers


def test_a_reused_nonce_is_refused(simulator):
    platform = simulator()
    nonce, timestamp = signing.new_nonce(), int(time.time())
    first = send(platform.base_url, "GET", "/v1/health", nonce=nonce, timestamp=timestamp)

    replay = send(platform.base_url, "GET", "/v1/health", nonce=nonce, timestamp=timestamp)

    assert first.status_code == 200
    assert replay.status_code == 401
    assert replay.json() == {"error": Errors.BAD_SIGNATURE}


def test_a_path_prefix_is_part_of_the_signed_path(simulator):
    platform = simulator(path_prefix="/cdp")

    signed_with_prefix = send(platform.base_url, "GET", "/v1/health")
    signed_without_prefix = send(platform.base_url, "GET", "/v1/health", signed_path="/v1/health")

    assert platform.base_url.endswith("/cdp")
    assert signed_with_prefix.status_code == 200
    assert signed_without_prefix.status_code == 401


@pytest.mark.parametrize(
    "overrides, error",
    [
        ({"uscc": ENTERPRISE[:17] + ("0" if ENTERPRISE[17] != "0" else "1")}, Errors.USCC),
        ({"uscc": 914101}, Errors.USCC),
        ({"categories": ["tax", "horoscope"]}, Errors.CATEGORIES),
        ({"categories": []}, Errors.CATEGORIES),
        ({"since": "2025/01/01"}, Errors.SINCE),
        ({"authorization": None}, Errors.AUTHORIZATION),
        ({"authorization": {**AUTHORIZATION, "expires_at": "2026-12-31T23:59:59"}}, Errors.AUTHORIZATION),
        ({"cursor": 3}, Errors.CURSOR_TYPE),
        ({"request_id": None}, Errors.REQUEST_ID),
    ],
    ids=[
        "bad-uscc",
        "uscc-not-string",
        "unknown-category",
        "no-categories",
        "bad-since",
        "no-authorization",
        "naive-expiry",
        "cursor-not-string",
        "no-request-id",
    ],
)
def test_a_malformed_query_is_a_bad_request_naming_the_problem(simulator, overrides, error):
    platform = simulator()

    response = query(platform.base_url, **overrides)

    assert response.status_code == 400
    assert response.json()["error"].startswith(error)


def test_a_body_that_is_not_a_json_object_is_a_bad_request(simulator):
    platform = simulator()

    response = send(platform.base_url, "POST", "/v1/records/query", ["not", "an", "object"])

    assert response.status_code == 400
    assert response.json() == {"error": Errors.BODY_NOT_OBJECT}


def test_an_unknown_path_is_not_found(simulator):
    platform = simulator()

    response = send(platform.base_url, "GET", "/v1/records")

    assert response.status_code == 404
    assert response.json() == {"error": Errors.NOT_FOUND}
