"""A person registers an enterprise, logs out and in again, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from hub.identifiers import make_uscc
from hub.models import Organization
from tests.hub.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def fill_registration(page, uscc):
    page.fill("#id_uscc", uscc)
    page.fill("#id_name", "郑州浏览器测试有限公司")
    page.fill("#id_region_code", "410105")
    page.fill("#id_industry_code", "I65")
    page.select_option("#id_scale", "small")
    page.fill("#id_admin_username", "browser-admin")
    page.fill("#id_admin_password", "Strong-pass-2026")


def test_an_enterprise_registers_logs_out_and_logs_back_in(page):
    uscc = make_uscc(region_code="410100", serial=321)
    page.goto("/register/")
    fill_registration(page, uscc)
    page.click("button[type=submit]")

    expect(page.get_by_test_id("organization-name")).to_have_text("郑州浏览器测试有限公司")
    expect(page.locator("body")).to_contain_text(uscc)
    assert Organization.objects.filter(code=uscc).exists()

    page.get_by_test_id("logout").click()
    expect(page).to_have_url(re.compile(r"/login/"))
    page.fill("#id_username", "browser-admin")
    page.fill("#id_password", "Strong-pass-2026")
    page.click("button[type=submit]")

    expect(page.get_by_test_id("current-user")).to_contain_text("browser-admin")


def test_registration_shows_the_uscc_error_in_place(page):
    uscc = make_uscc(region_code="410100", serial=322)
    wrong = uscc[:17] + ("0" if uscc[17] != "0" else "1")
    page.goto("/register/")
    fill_registration(page, wrong)
    page.click("button[type=submit]")

    error = page.locator('.field-error[data-field="uscc"]')
    expect(error).to_contain_text(uscc[17])
    expect(page.locator("#id_name")).to_have_value("郑州浏览器测试有限公司")  # nothing typed is lost
    assert not Organization.objects.filter(code=wrong).exists()


def test_a_wrong_password_is_refused_and_a_right_one_lets_a_bank_officer_in(page, bank_officer):
    page.goto("/login/")
    page.fill("#id_username", "bank-officer")
    page.fill("#id_password", "wrong-password")
    page.click("button[type=submit]")
    expect(page.locator(".errors")).to_be_visible()

    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")

    expect(page.get_by_test_id("organization-name")).to_have_text("中原银行")
    expect(page.get_by_test_id("members")).to_contain_text("bank-officer")


def test_the_language_switch_turns_the_page_english(page):
    page.goto("/login/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    page.select_option("select[name=language]", "en")

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Log in")
