"""Fixtures of the pages tests (they override conftest.py's of the same name here only)."""

import pytest

from tests.connectors.factories import AuthorizationFactory, ConnectorFactory


@pytest.fixture
def authorization(enterprise, bank, enterprise_admin):
    return AuthorizationFactory(
        enterprise=enterprise, bank=bank, scopes=["tax", "penalty", "license"], granted_by=enterprise_admin
    )


@pytest.fixture
def connector(running_simulator):
    return ConnectorFactory(name="郑州市信用平台接口", base_url=running_simulator.base_url, region_codes=["410000"])
