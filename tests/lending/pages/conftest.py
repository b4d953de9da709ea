"""Fixtures of the pages tests (they override conftest.py's of the same name here only)."""

from decimal import Decimal

import pytest
from django.utils import timezone

from lending.services.applications import application_transition
from tests.connectors.factories import AuthorizationFactory
from tests.lending.pages.helpers import publish, submit


@pytest.fixture(autouse=True)
def _pages_in_english(client):
    # The assertions read the English messages, whatever translations the catalogue holds.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def product(bank_officer):
    return publish(bank_officer)


@pytest.fixture
def consent(enterprise, bank, enterprise_admin):
    return AuthorizationFactory(enterprise=enterprise, bank=bank, granted_by=enterprise_admin)


@pytest.fixture
def lending_history(enterprise_admin, bank_officer, product, consent):
    """Two applications in 410105 (Zhengzhou): one disbursed 600,000, one only submitted."""
    done = submit(enterprise_admin, product)
    for action, details in [
        ("accept", {}),
        (
            "approve",
            {"amount": Decimal("600000"), "rate": Decimal("3.85"), "term_months": 12, "guarantee": "credit"},
        ),
        ("sign", {"contract_no": "HT-1", "amount": Decimal("600000"), "signed_on": timezone.localdate()}),
        ("disburse", {"amount": Decimal("600000"), "disbursed_on": timezone.localdate()}),
    ]:
        application_transition(actor=bank_officer, application_id=done.pk, action=action, **details)
    submit(enterprise_admin, product)
