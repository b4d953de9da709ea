"""An enterprise user verifies the enterprise with the electronic business licence
(电子营业执照) in a real browser: the wizard sends Chromium to the identity provider (the
simulator, a real OpenID Connect provider over loopback), the person signs in there as the
legal representative, and the browser comes back to a verified enterprise."""

import re

import pytest
from playwright.sync_api import expect

from hub.identifiers import make_uscc
from hub.models import Signer, Verification
from hub.verification.e_license_simulator import ProviderConfig, start_e_license_provider
from hub.verification.e_license_simulator_login import ROLE_AGENT, ROLE_LEGAL_REPRESENTATIVE, Identity
from tests.hub.factories import PASSWORD, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

USCC = make_uscc(region_code="410100", serial=7801)
NAME = "郑州浏览器电照有限公司"


@pytest.fixture
def provider(settings):
    identities = (
        Identity(USCC, NAME, ROLE_LEGAL_REPRESENTATIVE, "张三", "person-zhang"),
        Identity(USCC, NAME, ROLE_AGENT, "李四", "person-li"),
    )
    with start_e_license_provider(ProviderConfig("hub-e2e", "e2e-secret", identities=identities)) as running:
        settings.HUB_E_LICENSE_ISSUER = running.base_url
        settings.HUB_E_LICENSE_CLIENT_ID = "hub-e2e"
        settings.HUB_E_LICENSE_CLIENT_SECRET = "e2e-secret"
        yield running


def test_the_legal_representative_verifies_the_enterprise_with_the_e_licence_in_the_browser(page, provider):
    enterprise = OrganizationFactory(kind="enterprise", code=USCC, name=NAME, verification="unverified")
    user = UserFactory(organization=enterprise, role="admin", username="e-licence-user", signer=False)
    page.goto("/login/")
    page.fill("#id_username", "e-licence-user")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_test_id("current-user")).to_contain_text("e-licence-user")

    # the wizard offers the method; it leads to the provider's own login page
    page.goto("/verification/")
    page.locator('li[data-method="e_license"] a').click()
    expect(page).to_have_url(re.compile(re.escape(provider.base_url) + r"/authorize\?"))
    expect(page.locator("h1")).to_contain_text("电子营业执照")

    # the person signs in as the legal representative
    page.get_by_test_id("identity-0").click()

    # and is back on the wizard, the enterprise verified
    expect(page).to_have_url(re.compile(r"/verification/$"))
    expect(page.locator(".messages .success")).to_have_count(1)
    expect(page.get_by_test_id("verification")).to_have_attribute("data-status", "verified")
    verification = Verification.objects.get(enterprise=enterprise)
    assert (verification.status, verification.method, verification.level) == ("verified", "e_license", "high")
    assert Signer.objects.get(enterprise=enterprise, ended_at__isnull=True, user=user).role == "legal_representative"
