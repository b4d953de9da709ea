"""An enterprise applies for a loan and a bank officer works the application from the
workbench to disbursement — two people logged in at the same time, each in a browser
context of their own, against a live server."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from lending.models import Application
from lending.services.products import product_create, product_transition
from tests.connectors.factories import AuthorizationFactory
from tests.e2e.helpers import fail_on_policy_violations, log_in, watch_policy_violations

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def open_page(browser, live_server):
    """``open_page()`` → a page in a fresh browser context: its own cookies, its own login."""
    contexts, violations = [], []

    def open_one():
        context = browser.new_context(base_url=live_server.url, locale="zh-CN")
        contexts.append(context)
        violations.append(watch_policy_violations(context))
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_one
    for context in contexts:
        context.close()
    fail_on_policy_violations([violation for found in violations for violation in found])


def act(page, action, fields=None, checks=()):
    form = page.get_by_test_id(f"action-{action}")
    for name, value in (fields or {}).items():
        form.locator(f"#id_{action}-{name}").fill(value)
    for name in checks:
        form.locator(f"#id_{action}-{name}").check()
    form.locator("button[type=submit]").click()


def test_an_application_goes_from_the_enterprise_form_to_disbursement_on_the_bank_workbench(
    open_page, enterprise, enterprise_admin, bank, bank_officer
):
    # given a published product of the bank, and the enterprise's authorization in force
    product = product_create(
        actor=bank_officer,
        name="科创e贷",
        category="tech",
        min_amount=Decimal("100000"),
        max_amount=Decimal("5000000"),
        min_rate=Decimal("3.45"),
        max_rate=Decimal("4.35"),
        min_term_months=6,
        max_term_months=36,
        guarantee="credit",
        region_codes=["410000"],
        eligibility={"scales": ["micro", "small"]},
    )
    product_transition(actor=bank_officer, product_id=product.pk, action="publish")
    AuthorizationFactory(enterprise=enterprise, bank=bank, granted_by=enterprise_admin)
    company, officer = open_page(), open_page()
    log_in(company, "ent-admin")
    log_in(officer, "bank-officer")

    # the enterprise finds the product it qualifies for and applies through the form
    company.get_by_test_id("nav-products").click()
    card = company.locator(f'[data-product="{product.pk}"]')
    expect(card).to_have_attribute("data-eligible", "yes")
    card.get_by_test_id("apply").click()
    company.fill("#id_amount", "800000")
    company.fill("#id_term_months", "12")
    company.fill("#id_purpose", "采购原材料")
    company.get_by_test_id("apply-form").locator("button[type=submit]").click()
    expect(company).to_have_url(re.compile(r"/applications/\d+/$"))
    expect(company.get_by_test_id("application-status")).to_have_attribute("data-status", "submitted")
    application = Application.objects.get()

    # the bank officer, logged in meanwhile, finds it on the workbench with its deadline
    officer.get_by_test_id("nav-workbench").click()
    row = officer.locator(f'tr[data-application="{application.pk}"]')
    expect(row).to_have_attribute("data-status", "submitted")
    expect(row.get_by_test_id("sla")).to_be_visible()
    row.get_by_test_id("open-application").click()

    # and accepts, approves, records signing and disbursement through the forms
    status = officer.get_by_test_id("application-status")
    act(officer, "accept")
    expect(status).to_have_attribute("data-status", "accepted")
    act(
        officer,
        "approve",
        {"amount": "600000", "rate": "3.85", "term_months": "12"},
        checks=["first_loan", "pure_credit"],
    )
    expect(status).to_have_attribute("data-status", "approved")
    today = timezone.localdate().isoformat()
    act(officer, "sign", {"contract_no": "HT-2026-001", "amount": "600000", "signed_on": today})
    expect(status).to_have_attribute("data-status", "signed")
    act(officer, "disburse", {"amount": "600000", "disbursed_on": today})
    expect(status).to_have_attribute("data-status", "disbursed")
    expect(officer.get_by_test_id("actions")).to_have_count(0)

    # then the enterprise, reloading its page, sees the loan disbursed and every step
    company.reload()
    expect(company.get_by_test_id("application-status")).to_have_attribute("data-status", "disbursed")
    steps = company.get_by_test_id("timeline").locator("li")
    expect(steps).to_have_count(5)
    assert [steps.nth(index).get_attribute("data-status") for index in range(5)] == [
        "submitted",
        "accepted",
        "approved",
        "signed",
        "disbursed",
    ]
    expect(company.get_by_test_id("contract")).to_contain_text("HT-2026-001")
    expect(company.get_by_test_id("disbursed")).to_contain_text("60万元")  # money as Chinese finance pages write it
    application.refresh_from_db()
    assert application.first_loan and application.pure_credit and application.rate == Decimal("3.8500")
