"""Fixtures of the imports tests (they override conftest.py's of the same name here only)."""

import pytest

from tests.hub.factories import UserFactory


@pytest.fixture
def whitelist(api_client_for, platform_admin):
    body = {
        "name": "郑州市专精特新企业白名单",
        "kind": "specialized",
        "region_code": "410100",
        "policy_basis": "郑政〔2026〕1号",
    }
    return api_client_for(platform_admin).post("/api/v1/whitelists/", body, format="json").json()


@pytest.fixture
def checker(platform_admin):
    """A colleague of the importer: the one who may publish."""
    return UserFactory(organization=platform_admin.organization, role="staff")
