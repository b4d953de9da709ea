"""Fixtures of the pulls tests (they override conftest.py's of the same name here only)."""

import pytest

from tests.connectors.factories import AuthorizationFactory


@pytest.fixture
def authorization(enterprise, bank, enterprise_admin):
    return AuthorizationFactory(
        enterprise=enterprise, bank=bank, scopes=["tax", "penalty", "license"], granted_by=enterprise_admin
    )
