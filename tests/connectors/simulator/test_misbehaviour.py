"""The reference platform simulator misbehaving on purpose, and its command."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from connectors.categories import record_errors
from connectors.kinds.cdp_http_v1 import signing
from connectors.simulator.server import Errors, SimulatorConfig
from hub.identifiers import make_uscc
from tests.connectors.simulator.helpers import (
    KEY_ID,
    SECRET,
    all_pages,
    query,
    response_signature_is_valid,
    send,
)


def test_an_unknown_subject_is_404(simulator):
    platform = simulator(unknown_rate=1)

    response = query(platform.base_url)

    assert response.status_code == 404
    assert response.json() == {"error": Errors.UNKNOWN_SUBJECT}


def test_unknown_subjects_are_decided_by_the_uscc_alone(simulator):
    platform = simulator(unknown_rate=0.5)
    usccs = [make_uscc(region_code="410100", serial=serial) for serial in range(1, 41)]

    first = [query(platform.base_url, uscc=uscc, categories=["rating"]).status_code for uscc in usccs]
    second = [query(platform.base_url, uscc=uscc, categories=["rating"]).status_code for uscc in usccs]

    assert first == second
    assert set(first) == {200, 404}


def test_error_rate_one_answers_503(simulator):
    platform = simulator(error_rate=1)

    response = query(platform.base_url)

    assert response.status_code == 503
    assert platform.injected["unavailable"] == 1


def test_rate_limit_rate_one_answers_429_with_retry_after(simulator):
    platform = simulator(rate_limit_rate=1)

    response = query(platform.base_url)

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"


def test_malformed_rate_one_yields_only_records_that_break_the_schema(simulator):
    platform = simulator(malformed_rate=1, page_size=1000)

    response = query(platform.base_url)

    records = response.json()["records"]
    assert response.status_code == 200 and response_signature_is_valid(response)
    assert records and all(record_errors(record) for record in records)
    assert platform.injected["malformed"] == len(records)


def test_duplicate_rate_repeats_records_with_the_same_content_within_and_across_pages(simulator):
    platform = simulator(duplicate_rate=1, page_size=10)

    pages = all_pages(platform.base_url)

    pages_as_text = [[json.dumps(record, sort_keys=True) for record in page] for page in pages]
    sent = [text for page in pages_as_text for text in page]
    source_ids = {(record["category"], record["source_id"]) for page in pages for record in page}
    assert len(sent) == 2 * len(set(sent))  # every record twice...
    assert len(source_ids) == len(set(sent))  # ...with one content per source_id
    assert any(set(earlier) & set(later) for earlier, later in zip(pages_as_text, pages_as_text[1:], strict=False))


def test_wrong_signature_signs_a_success_with_a_wrong_secret(simulator):
    platform = simulator(wrong_signature=True)

    response = send(platform.base_url, "GET", "/v1/health")

    assert response.status_code == 200
    assert signing.SIGNATURE_HEADER in response.headers
    assert not response_signature_is_valid(response)


def test_config_refuses_a_rate_outside_zero_to_one():
    with pytest.raises(ValueError, match="error_rate"):
        SimulatorConfig(key_id=KEY_ID, secret=SECRET, error_rate=1.5)


def test_command_needs_a_secret(monkeypatch):
    monkeypatch.delenv("CDP_SIMULATOR_SECRET", raising=False)

    with pytest.raises(CommandError, match="CDP_SIMULATOR_SECRET"):
        call_command("simulate_platform", "--port", "0")


def test_command_names_the_rate_that_is_out_of_range():
    with pytest.raises(CommandError, match="--malformed-rate"):
        call_command("simulate_platform", "--port", "0", "--secret", SECRET, "--malformed-rate", "2")


def test_command_refuses_unknown_categories():
    with pytest.raises(CommandError, match="horoscope"):
        call_command("simulate_platform", "--port", "0", "--secret", SECRET, "--categories", "tax,horoscope")
