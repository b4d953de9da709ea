"""Lending pages: the marketplace, products and applying."""

from decimal import Decimal

import pytest
from django.utils.html import escape

from lending.models import Application, LoanProduct
from lending.services.applications import Messages as ApplicationMessages
from lending.services.products import Messages as ProductMessages
from lending.services.products import product_create
from tests.hub.factories import OrganizationFactory, UserFactory
from tests.lending.pages.helpers import english, field_errors, publish

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "persona", ["enterprise_admin", "bank_officer", "regulator_user", "platform_admin", "operator", "outsider"]
)
def test_the_marketplace_opens_for_everyone_logged_in(logged_in, request, persona, product):
    response = logged_in(request.getfixturevalue(persona)).get("/products/?category=")

    assert response.status_code == 200
    assert f'data-product="{product.pk}"' in response.content.decode()


def test_an_enterprise_sees_each_rule_of_a_product_passed_failed_or_unknown(logged_in, enterprise_admin, product):
    # given a product for micro and small enterprises with a tax grade rule, and no tax data
    html = logged_in(enterprise_admin).get("/products/").content.decode()

    # then the small enterprise passes the scale rule, the tax rule is unknown, and it may apply
    assert f'data-product="{product.pk}" data-eligible="yes"' in html
    assert '<li class="rule rule-passed" data-rule="scales" data-result="passed">' in html
    assert '<li class="rule rule-unknown" data-rule="min_tax_grade" data-result="unknown">' in html
    assert f'href="/products/{product.pk}/apply/"' in html
    assert 'data-col="amount">100,000.00 yuan – 5,000,000.00 yuan' in html and 'data-col="rate">3.45% – 4.35%' in html


def test_a_failed_rule_marks_the_product_as_not_fitting(logged_in, enterprise_admin, bank_officer):
    product = publish(bank_officer, eligibility={"scales": ["medium", "large"]})

    html = logged_in(enterprise_admin).get("/products/").content.decode()

    assert f'data-product="{product.pk}" data-eligible="no"' in html
    assert 'data-rule="scales" data-result="failed"' in html


def test_an_enterprise_sees_the_products_of_its_region_unless_it_clears_the_filters(
    logged_in, enterprise_admin, bank_officer, product
):
    luoyang_only = publish(bank_officer, name="洛阳专享贷", region_codes=["410300"])
    client = logged_in(enterprise_admin)

    by_default = client.get("/products/").content.decode()
    everything = client.get("/products/?category=").content.decode()

    assert f'data-product="{product.pk}"' in by_default and f'data-product="{luoyang_only.pk}"' not in by_default
    assert f'data-product="{luoyang_only.pk}" data-eligible="outside"' in everything


@pytest.mark.parametrize(
    "query, shown",
    [
        ("category=tech", ["tech"]),
        ("category=gov_procurement", ["procurement"]),
        ("amount=60000", ["procurement"]),
        ("amount=2000000", ["tech", "other"]),
        ("bank=OTHERBANK", ["other"]),
        ("region_code=410300", ["tech", "other"]),
        ("region_code=410300&bank=ZYBANK", ["tech"]),
        ("region_code=410105&category=tech", ["tech"]),
    ],
)
def test_the_marketplace_filters_by_category_amount_bank_and_region(logged_in, operator, bank_officer, query, shown):
    other_officer = UserFactory(organization=OrganizationFactory(kind="bank", code="OTHERBANK"))
    products = {
        "tech": publish(bank_officer),
        "procurement": publish(
            bank_officer,
            name="政采贷",
            category="gov_procurement",
            min_amount=Decimal("50000"),
            max_amount=Decimal("1000000"),
            region_codes=["410100"],
        ),
        "other": publish(other_officer, name="洛阳贷", category="general", region_codes=["410300"]),
    }

    html = logged_in(operator).get(f"/products/?{query}").content.decode()

    assert {name for name, product in products.items() if f'data-product="{product.pk}"' in html} == set(shown)


def test_a_malformed_filter_is_named_next_to_its_field(logged_in, enterprise_admin, product):
    response = logged_in(enterprise_admin).get("/products/?region_code=12")

    assert response.status_code == 400
    assert field_errors(response.content.decode(), "region_code")


def test_a_bank_creates_a_product_with_eligibility_rules_and_publishes_it(logged_in, bank_officer):
    client = logged_in(bank_officer)

    # when the officer fills the form, rules as plain fields
    response = client.post(
        "/products/",
        {
            "name": "专精特新贷",
            "category": "specialized",
            "min_amount": "100000",
            "max_amount": "3000000",
            "min_rate": "3.2",
            "max_rate": "4.1",
            "min_term_months": "6",
            "max_term_months": "24",
            "guarantee": "credit",
            "region_codes": "410100, 410300",
            "scales": ["micro", "small"],
            "industries": "c, I65",
            "min_years_established": "2",
            "min_tax_grade": "B",
            "no_dishonest": "on",
            "max_unrepaired_serious_penalties": "0",
        },
    )

    # then a draft exists with the rules as the service's object
    assert response.status_code == 302
    product = LoanProduct.objects.get()
    assert product.status == "draft" and product.region_codes == ["410100", "410300"]
    assert product.eligibility == {
        "scales": ["micro", "small"],
        "industries": ["C", "I65"],
        "min_years_established": 2,
        "max_unrepaired_serious_penalties": 0,
        "min_tax_grade": "B",
        "no_dishonest": True,
    }
    assert f'data-my-product="{product.pk}" data-status="draft"' in client.get("/products/").content.decode()

    # and publishing, then withdrawing, moves it on the marketplace
    assert client.post(f"/products/{product.pk}/publish/").status_code == 302
    product.refresh_from_db()
    assert product.status == "published"
    client.post(f"/products/{product.pk}/withdraw/")
    product.refresh_from_db()
    assert product.status == "withdrawn"


def test_the_product_form_names_the_service_error_next_to_its_field_and_keeps_what_was_typed(logged_in, bank_officer):
    response = logged_in(bank_officer).post(
        "/products/",
        {
            "name": "倒挂的产品",
            "category": "tech",
            "min_amount": "900000",
            "max_amount": "100000",
            "min_rate": "3",
            "max_rate": "4",
            "min_term_months": "6",
            "max_term_months": "12",
            "guarantee": "credit",
            "region_codes": "410100",
        },
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert field_errors(html, "min_amount") == [english(ProductMessages.AMOUNT_RANGE)]
    assert 'value="倒挂的产品"' in html
    assert not LoanProduct.objects.exists()


def test_only_banks_create_products_and_only_their_own_they_publish(logged_in, enterprise_admin, bank_officer):
    draft = product_create(
        actor=UserFactory(organization=OrganizationFactory(kind="bank")),
        name="别家的",
        category="tech",
        min_amount=Decimal("1"),
        max_amount=Decimal("2"),
        min_rate=Decimal("3"),
        max_rate=Decimal("4"),
        min_term_months=1,
        max_term_months=2,
        guarantee="credit",
        region_codes=["410100"],
    )

    assert logged_in(enterprise_admin).post("/products/", {"name": "x"}).status_code == 403
    assert logged_in(bank_officer).post(f"/products/{draft.pk}/publish/").status_code == 404


def test_an_enterprise_applies_through_the_form(logged_in, enterprise_admin, product, consent):
    response = logged_in(enterprise_admin).post(
        f"/products/{product.pk}/apply/", {"amount": "800000", "term_months": "12", "purpose": "采购原材料"}
    )

    application = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/applications/{application.pk}/"
    assert application.product == product and application.status == "submitted"


def test_applying_without_an_authorization_says_so_and_keeps_what_was_typed(logged_in, enterprise_admin, product):
    client = logged_in(enterprise_admin)

    page = client.get(f"/products/{product.pk}/apply/").content.decode()
    response = client.post(
        f"/products/{product.pk}/apply/", {"amount": "800000", "term_months": "12", "purpose": "采购原材料"}
    )

    assert 'data-testid="needs-authorization"' in page
    html = response.content.decode()
    assert response.status_code == 400
    assert escape(english(ApplicationMessages.NEEDS_AUTHORIZATION)) in html
    assert 'value="采购原材料"' in html
    assert not Application.objects.exists()


def test_an_amount_outside_the_product_is_named_next_to_the_amount(logged_in, enterprise_admin, product, consent):
    response = logged_in(enterprise_admin).post(
        f"/products/{product.pk}/apply/", {"amount": "9000000", "term_months": "12", "purpose": "扩产"}
    )

    assert response.status_code == 400
    assert field_errors(response.content.decode(), "amount") == [
        english(ApplicationMessages.AMOUNT_OUT_OF_RANGE, min=Decimal("100000.00"), max=Decimal("5000000.00"))
    ]


def test_only_enterprises_apply(logged_in, bank_officer, regulator_user, product):
    assert logged_in(bank_officer).get(f"/products/{product.pk}/apply/").status_code == 403
    assert logged_in(regulator_user).get(f"/products/{product.pk}/apply/").status_code == 403


def test_an_open_demand_is_posted_and_claimed_by_one_bank(logged_in, enterprise_admin, bank_officer):
    # given an enterprise posting an open demand
    response = logged_in(enterprise_admin).post(
        "/applications/new-demand/", {"amount": "300000", "term_months": "12", "purpose": "周转"}
    )
    demand = Application.objects.get()
    assert response.status_code == 302 and demand.product is None

    # when the bank sees it on its workbench and claims it
    client = logged_in(bank_officer)
    assert f'data-demand="{demand.pk}"' in client.get("/applications/").content.decode()
    claimed = client.post(f"/applications/{demand.pk}/claim/")

    # then it is the bank's and accepted; another bank is told it lost
    demand.refresh_from_db()
    assert claimed["Location"] == f"/applications/{demand.pk}/"
    assert demand.status == "accepted" and demand.bank == bank_officer.organization
    rival = UserFactory(organization=OrganizationFactory(kind="bank", region_code="410000"))
    lost = logged_in(rival).post(f"/applications/{demand.pk}/claim/", follow=True)
    assert english(ApplicationMessages.CLAIM_LOST) in lost.content.decode()
