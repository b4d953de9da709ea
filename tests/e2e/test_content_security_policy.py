"""In real Chromium the pages keep to their content security policy and still work: every
page in each role's navigation (the administration and the API docs among them) opens
without a violation, the language menu switches, confirmations ask first, the SLA countdown
counts and Swagger UI draws the API and calls it. (Every browser test fails on a violation; the
progress polling of pulls and imports is watched in test_credit_data_pages.py and
test_whitelist_upload.py.)"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from hub.models import Authorization
from lending.services.applications import application_submit
from tests.connectors.factories import AuthorizationFactory
from tests.e2e.helpers import log_in
from tests.lending.factories import ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    "persona", ["enterprise_admin", "bank_officer", "regulator_user", "platform_admin", "operator"]
)
def test_every_page_of_a_roles_navigation_opens_without_a_policy_violation(page, request, persona):
    user = request.getfixturevalue(persona)
    log_in(page, user.username)
    links = page.locator("header.topbar a[href]")
    paths = sorted({links.nth(index).get_attribute("href") for index in range(links.count())})

    for path in paths:
        response = page.goto(path)
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        page.wait_for_load_state("load")

    assert len(paths) >= 4
    assert page.policy_violations == []


def test_the_language_menu_switches_the_page_without_an_inline_handler(page, enterprise_admin):
    log_in(page, enterprise_admin.username)
    page.goto("/authorizations/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    page.select_option("select[name=language]", "en")

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/authorizations/$"))
    expect(page.locator("h1").first).to_have_text("Authorizations")
    assert page.policy_violations == []


def test_a_revocation_asks_first_and_stays_undone_when_refused(page, enterprise, enterprise_admin, bank):
    authorization = AuthorizationFactory(enterprise=enterprise, bank=bank, granted_by=enterprise_admin)
    log_in(page, enterprise_admin.username)
    page.goto("/authorizations/")
    questions = []

    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.get_by_test_id("revoke").click()
    expect(page.locator("tr[data-status=active]")).to_have_count(1)
    authorization.refresh_from_db()
    assert authorization.status == Authorization.Status.ACTIVE

    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    page.get_by_test_id("revoke").click()
    expect(page.locator("tr[data-status=revoked]")).to_have_count(1)
    authorization.refresh_from_db()
    assert authorization.status == Authorization.Status.REVOKED
    assert len(questions) == 2 and "撤销" in questions[0]


def test_the_sla_countdown_counts_down_on_the_workbench(page, enterprise, enterprise_admin, bank, bank_officer):
    product = ProductFactory(bank=bank)
    AuthorizationFactory(enterprise=enterprise, bank=bank)
    application_submit(
        actor=enterprise_admin, product_id=product.pk, amount=Decimal("600000.00"), term_months=12, purpose="周转"
    )
    page.clock.install(time=timezone.now())
    log_in(page, bank_officer.username)
    page.goto("/applications/")
    countdown = page.get_by_test_id("sla").first
    before = countdown.text_content()

    page.clock.fast_forward(int(timedelta(hours=5).total_seconds() * 1000))

    expect(countdown).not_to_have_text(before)
    assert page.policy_violations == []


def test_swagger_ui_draws_the_api_and_tries_a_call_under_the_policy(page):
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Hub API")
    operation = page.locator(".swagger-ui .opblock-summary-get").filter(has_text="/api/v1/hub/keys/").first
    operation.click()
    page.locator(".swagger-ui .try-out__btn").first.click()
    page.locator(".swagger-ui .execute").first.click()

    expect(page.locator(".swagger-ui .live-responses-table tbody .response-col_status").first).to_have_text("200")
    assert page.policy_violations == []
