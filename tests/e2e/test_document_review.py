"""An enterprise's person uploads the business licence through the page; the hub operator,
in a browser of its own, opens the queue, looks at the file and approves; the enterprise's
page then shows it verified."""

import re

import pytest
from playwright.sync_api import expect

from hub.models import Signer, Verification
from tests.e2e.helpers import fail_on_policy_violations, log_in, watch_policy_violations
from tests.hub.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


def test_an_uploaded_licence_approved_by_the_operator_verifies_the_enterprise(page, browser, live_server, operator):
    enterprise = OrganizationFactory(
        kind="enterprise", name="郑州新注册科技有限公司", region_code="410105", verification="unverified"
    )
    uploader = UserFactory(organization=enterprise, role="admin", username="new-enterprise")

    # the enterprise's person uploads the licence
    log_in(page, uploader.username)
    page.goto("/verification/documents/")
    expect(page.get_by_test_id("verification-status")).to_have_attribute("data-status", "unverified")
    page.set_input_files("#id_licence", files=[{"name": "营业执照.png", "mimeType": "image/png", "buffer": PNG}])
    page.get_by_test_id("documents-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("review-status")).to_have_attribute("data-status", "pending")

    # the operator, in a browser of its own, finds it in the queue, opens the file and approves
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    violations = watch_policy_violations(context)
    try:
        reviewer = context.new_page()
        reviewer.set_default_timeout(15_000)
        log_in(reviewer, operator.username)
        reviewer.get_by_test_id("link-verification-reviews").click()
        expect(reviewer).to_have_url(re.compile(r"/verification/reviews/$"))
        card = reviewer.get_by_test_id("review").filter(has_text="郑州新注册科技有限公司")
        licence = reviewer.request.get(card.get_by_test_id("licence-link").get_attribute("href"))
        assert (licence.status, licence.headers["content-type"], licence.body()) == (200, "image/png", PNG)
        card.get_by_test_id("approve").click()
        expect(reviewer.get_by_test_id("no-reviews")).to_be_visible()
    finally:
        context.close()
    fail_on_policy_violations(violations)

    # the enterprise's page shows it verified, with the uploader as legal representative
    page.reload()
    expect(page.get_by_test_id("verification-status")).to_have_attribute("data-status", "verified")
    expect(page.get_by_test_id("review-status")).to_have_attribute("data-status", "approved")
    assert Verification.objects.get(enterprise=enterprise).status == "verified"
    assert Signer.objects.get(enterprise=enterprise, ended_at__isnull=True).user == uploader
