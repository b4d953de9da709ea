"""Fixtures of the pages tests (they override conftest.py's of the same name here only)."""

import pytest

from tests.hub.factories import OrganizationFactory, UserFactory
from tests.whitelist.pages.helpers import csv_file
from whitelist.services.whitelists import whitelist_create


@pytest.fixture(autouse=True)
def _uploads_in_a_temporary_directory(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def whitelist(platform_admin):
    return whitelist_create(
        actor=platform_admin,
        name="郑州市专精特新企业白名单",
        kind="specialized",
        region_code="410100",
        policy_basis="郑政〔2026〕1号",
        contact_days=20,
    )


@pytest.fixture
def checker(platform_admin):
    """A colleague of the importer: the one who may publish."""
    return UserFactory(organization=platform_admin.organization, role="staff", username="checker")


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    """Upload through the page; the queued import runs when the upload commits."""

    def post(client, whitelist, *lines, name="list.csv"):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(f"/whitelists/{whitelist.pk}/", {"file": csv_file(*lines, name=name)})

    return post


@pytest.fixture
def intruders(bank_officer, outsider):
    other_platform = UserFactory(organization=OrganizationFactory(kind="platform", region_code="410300"), role="admin")
    return {"bank": bank_officer, "another platform": other_platform, "outsider enterprise": outsider}
