"""Server-rendered pages: login, registration, home per organization kind, language."""

import pytest

from hub.identifiers import make_uscc
from hub.models import Organization, User, Verification
from tests.hub.factories import PASSWORD

pytestmark = pytest.mark.django_db


def registration_form(**overrides):
    form = {
        "uscc": make_uscc(region_code="410100", serial=55),
        "name": "郑州页面测试有限公司",
        "region_code": "410100",
        "industry_code": "I65",
        "scale": "small",
        "admin_username": "pageadmin",
        "admin_password": "Strong-pass-2026",
    }
    form.update(overrides)
    return form


def test_pages_are_in_simplified_chinese_by_default(client):
    response = client.get("/login/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "登录" in html


def test_english_is_one_switch_away(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})

    html = client.get("/login/").content.decode()

    assert '<html lang="en">' in html and "Log in" in html


def test_an_enterprise_registers_and_lands_on_its_home_page(client):
    response = client.post("/register/", registration_form(), follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/"
    assert Organization.objects.filter(kind="enterprise", name="郑州页面测试有限公司").exists()
    assert "郑州页面测试有限公司" in response.content.decode()


def test_registration_errors_are_shown_next_to_their_fields(client):
    good = registration_form()["uscc"]
    response = client.post(
        "/register/", registration_form(uscc=good[:17] + ("0" if good[17] != "0" else "1"), region_code="99")
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="uscc"' in html and 'data-field="region_code"' in html
    assert not Organization.objects.exists()


def test_a_registration_of_a_verified_uscc_names_the_uscc_field(client):
    client.post("/register/", registration_form())
    client.post("/logout/")
    Verification.objects.update(status=Verification.Status.VERIFIED)

    response = client.post("/register/", registration_form(admin_username="second"))

    # The page answers with the service's status, as every form page does (the API's 409).
    assert response.status_code == 409
    assert 'data-field="uscc"' in response.content.decode()


def test_login_leads_to_the_home_page_of_the_organization_kind(client, bank_officer):
    response = client.post("/login/", {"username": "bank-officer", "password": PASSWORD}, follow=True)

    html = response.content.decode()
    assert "中原银行" in html and 'data-testid="members"' in html


def test_a_wrong_password_shows_an_error_on_the_login_page(client, bank_officer):
    response = client.post("/login/", {"username": "bank-officer", "password": "nope"})

    assert response.status_code == 200
    assert 'class="errors"' in response.content.decode()


def test_the_home_page_needs_a_login(client):
    response = client.get("/")

    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize(
    "persona, name",
    [
        ("enterprise_admin", "郑州某某科技有限公司"),
        ("regulator_user", "人民银行河南省分行"),
        ("platform_admin", "郑州市信用平台"),
    ],
)
def test_each_kind_has_a_home_page_with_its_organization_and_people(client, request, persona, name):
    user = request.getfixturevalue(persona)
    client.force_login(user)

    html = client.get("/").content.decode()

    assert name in html and user.username in html


def test_an_admin_adds_a_staff_member_on_the_home_page(client, enterprise_admin):
    client.force_login(enterprise_admin)

    response = client.post("/", {"username": "newclerk", "password": "Strong-pass-2026", "role": "staff"}, follow=True)

    assert response.status_code == 200
    assert User.objects.get(username="newclerk").organization == enterprise_admin.organization
    assert "newclerk" in response.content.decode()


def test_staff_see_no_form_and_cannot_add_people(client, bank_officer):
    client.force_login(bank_officer)

    assert "password" not in client.get("/").content.decode()
    assert client.post("/", {"username": "x", "password": "Strong-pass-2026", "role": "staff"}).status_code == 405
    assert not User.objects.filter(username="x").exists()


def test_the_operator_reaches_the_administration(client, operator):
    client.force_login(operator)

    assert client.get("/admin/hub/organization/").status_code == 200


def test_pages_load_no_asset_from_the_internet(client, bank_officer):
    client.force_login(bank_officer)

    for path in ["/", "/login/", "/register/"]:
        html = client.get(path).content.decode()
        assert "http://" not in html and "https://" not in html, path
