"""Fixtures of the document_review tests (they override conftest.py's of the same name here only)."""

from __future__ import annotations

import pytest

from tests.hub.factories import OrganizationFactory, UserFactory


@pytest.fixture
def unverified():
    """An enterprise of 410105 that registered and is not verified yet."""
    return OrganizationFactory(
        kind="enterprise", name="郑州待核实科技有限公司", region_code="410105", verification="unverified"
    )


@pytest.fixture
def uploader(unverified):
    return UserFactory(organization=unverified, role="admin", username="uploader")


@pytest.fixture
def other_platform_user():
    platform = OrganizationFactory(kind="platform", code="LY-CREDIT", name="洛阳市信用平台", region_code="410300")
    return UserFactory(organization=platform, role="admin", username="luoyang-platform")
