"""An enterprise authorizes a bank; the bank pulls the enterprise's credit data from a
simulated city platform, follows the pull to its end and reads the profile — in a real
browser, against a live server and a real CDP/1 platform over loopback."""

import re

import pytest
from playwright.sync_api import expect

from connectors.simulator.server import SimulatorConfig, start_simulator
from hub.models import Authorization
from tests.connectors.factories import SECRET, ConnectorFactory
from tests.e2e.helpers import log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def platform():
    simulator = start_simulator(SimulatorConfig(key_id="hub", secret=SECRET, seed="e2e", latency_ms=100, page_size=5))
    yield simulator
    simulator.stop()


def test_a_bank_pulls_and_reads_what_the_enterprise_authorized_in_the_browser(
    page, platform, enterprise, enterprise_admin, bank, bank_officer
):
    ConnectorFactory(name="河南省信用平台", base_url=platform.base_url, region_codes=["410000"])

    # the enterprise admin grants the bank tax and penalty data through the form
    log_in(page, "ent-admin")
    page.get_by_test_id("nav-authorizations").click()
    page.select_option("#id_bank", "ZYBANK")
    page.check('input[name=scopes][value="tax"]')
    page.check('input[name=scopes][value="penalty"]')
    page.select_option("#id_purpose", "loan_review")
    page.get_by_test_id("grant-form").locator("button[type=submit]").click()
    expect(page.locator("tr[data-status=active]")).to_have_count(1)
    assert Authorization.objects.get().scopes == ["penalty", "tax"]
    page.get_by_test_id("logout").click()
    expect(page).to_have_url(re.compile(r"/login/"))

    # the bank officer starts a pull for the enterprise's tax records
    log_in(page, "bank-officer")
    page.get_by_test_id("nav-pulls").click()
    page.fill("#id_enterprise", enterprise.code)
    page.check('input[name=categories][value="tax"]')
    page.get_by_test_id("pull-form").locator("button[type=submit]").click()

    # and watches it to its end
    expect(page).to_have_url(re.compile(r"/pulls/\d+/$"))
    bar = page.get_by_test_id("pull-progress")
    expect(bar).to_have_attribute("max", "1")
    expect(bar).to_have_js_property("value", 1)
    expect(page.get_by_test_id("pull-status")).to_have_attribute("data-status", "succeeded")
    expect(page.locator('tr[data-connector] [data-col="status"] .badge')).to_have_attribute("data-status", "succeeded")

    # then reads the profile, with the tax records the platform holds
    page.get_by_test_id("profile-link").click()
    tax = page.locator('section[data-category="tax"]')
    expect(tax).to_be_visible()
    expect(tax.locator('th[data-field="tax_paid"]')).to_be_visible()
    expect(page.locator('section[data-category="customs"]')).to_have_count(0)
