"""Every fact the code produces validates against its JSON Schema under docs/schemas/, and
none carries personal data (a person's name, an ID number, a phone number)."""

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from connectors.models import UplinkFact
from connectors.national import protocol
from connectors.national.facts import FACT_TYPES, schema_file, schema_id
from tests.connectors.national.flows import ID_NUMBER, LEGAL_REPRESENTATIVE, PHONE, every_fact_type

pytestmark = pytest.mark.django_db

SCHEMAS = Path(__file__).resolve().parents[3] / "docs" / "schemas"
ID_NUMBER_PATTERN = re.compile(r"(?<![0-9A-Z])[1-9]\d{5}(19|20)\d{2}(0[1-9]|1[0-2])\d{2}\d{3}[\dX](?![0-9A-Z])")
PHONE_PATTERN = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@pytest.fixture
def recorded(settings, operator, bank, bank_officer):
    settings.HUB_NATIONAL_URL = "http://127.0.0.1:9"  # recorded, never sent here
    settings.HUB_NATIONAL_REGION_CODE = "410000"
    settings.HUB_NATIONAL_WHITELIST_ENTRIES = True
    for seed in (1, 2, 3):
        every_fact_type(operator=operator, bank=bank, bank_officer=bank_officer, seed=seed, prefix=f"s{seed}")
    return list(UplinkFact.objects.order_by("id"))


def test_every_fact_type_has_a_schema_whose_id_the_facts_name():
    for fact_type in FACT_TYPES:
        schema = json.loads((SCHEMAS / schema_file(fact_type)).read_text(encoding="utf-8"))
        assert schema["$id"] == schema_id(fact_type)


def test_every_fact_the_code_produces_validates_against_its_schema(recorded):
    assert {fact.fact_type for fact in recorded} == set(FACT_TYPES)
    validators = {fact_type: validator(schema_file(fact_type)) for fact_type in FACT_TYPES}
    for fact in recorded:
        errors = [error.message for error in validators[fact.fact_type].iter_errors(fact.data)]
        assert not errors, (fact.fact_type, fact.data, errors)
    # Many shapes: every status of both state machines is among them.
    decisions = {f.data["status"] for f in recorded if f.fact_type == "loan_application_decision"}
    outcomes = {f.data["status"] for f in recorded if f.fact_type == "financing_demand_outcome"}
    assert decisions >= {"accepted", "approved", "rejected", "signed", "disbursed", "withdrawn"}
    assert outcomes >= {"claimed", "approved", "rejected", "signed", "disbursed"}


def test_batches_of_them_validate_against_the_batch_schema(recorded):
    facts = [
        protocol.envelope(
            sequence=fact.pk,
            fact_type=fact.fact_type,
            schema=fact.schema,
            idempotency_key=fact.idempotency_key,
            occurred_at=fact.occurred_at,
            data=fact.data,
        )
        for fact in recorded
    ]
    body = json.loads(protocol.batch_body(batch_id="410000-1-1", region_code="410000", facts=facts))
    errors = [error.message for error in validator("batch.v1.schema.json").iter_errors(body)]
    assert not errors


def test_no_fact_carries_personal_data(recorded):
    for fact in recorded:
        text = json.dumps(fact.data, ensure_ascii=False)
        assert LEGAL_REPRESENTATIVE not in text, fact.fact_type
        assert ID_NUMBER not in text and not ID_NUMBER_PATTERN.search(text), fact.fact_type
        assert PHONE not in text and not PHONE_PATTERN.search(text), fact.fact_type


def test_nothing_is_recorded_while_the_link_is_off(operator, bank, bank_officer):
    every_fact_type(operator=operator, bank=bank, bank_officer=bank_officer, applications=3)
    assert not UplinkFact.objects.exists()
