"""Pages of lending: the marketplace, applying, the enterprise's applications and the bank's
workbench, the application page with its timeline and action forms, the regulators'
dashboard, matchmaking events and the banks' follow-up — through the Django test client."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from django.utils.html import escape

from hub.identifiers import make_uscc
from lending.models import Application, LoanProduct, Match, MatchmakingEvent
from lending.services.applications import Messages as ApplicationMessages
from lending.services.applications import application_submit, application_transition
from lending.services.matches import Messages as MatchMessages
from lending.services.products import Messages as ProductMessages
from lending.services.products import product_create, product_transition
from tests.connectors.factories import AuthorizationFactory
from tests.hub.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate().isoformat()


@pytest.fixture(autouse=True)
def _pages_in_english(client):
    # The assertions read the English messages, whatever translations the catalogue holds.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def english(message, **params) -> str:
    with translation.override("en"):
        return str(message) % params if params else str(message)


@pytest.fixture
def logged_in(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def publish(officer, **overrides) -> LoanProduct:
    values = {
        "name": "科创e贷",
        "category": "tech",
        "min_amount": Decimal("100000.00"),
        "max_amount": Decimal("5000000.00"),
        "min_rate": Decimal("3.4500"),
        "max_rate": Decimal("4.3500"),
        "min_term_months": 6,
        "max_term_months": 36,
        "guarantee": "credit",
        "region_codes": ["410000"],
        "eligibility": {"scales": ["micro", "small"], "min_tax_grade": "B"},
    }
    values.update(overrides)
    product = product_create(actor=officer, **values)
    return product_transition(actor=officer, product_id=product.pk, action="publish")


@pytest.fixture
def product(bank_officer):
    return publish(bank_officer)


@pytest.fixture
def consent(enterprise, bank, enterprise_admin):
    return AuthorizationFactory(enterprise=enterprise, bank=bank, granted_by=enterprise_admin)


def submit(enterprise_admin, product, amount="800000.00") -> Application:
    return application_submit(
        actor=enterprise_admin,
        product_id=product.pk if product else None,
        amount=Decimal(amount),
        term_months=12,
        purpose="采购原材料",
    )


def field_errors(html: str, field: str) -> list[str]:
    return re.findall(rf'<p class="field-error" data-field="{field}">([^<]*)</p>', html)


# --- who may see the pages -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/products/", "/products/1/apply/", "/applications/", "/applications/1/", "/dashboard/", "/events/", "/matches/"],
)
def test_the_pages_need_a_login(client, path):
    response = client.get(path)

    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize(
    "persona", ["enterprise_admin", "bank_officer", "regulator_user", "platform_admin", "operator", "outsider"]
)
def test_the_marketplace_opens_for_everyone_logged_in(logged_in, request, persona, product):
    response = logged_in(request.getfixturevalue(persona)).get("/products/?category=")

    assert response.status_code == 200
    assert f'data-product="{product.pk}"' in response.content.decode()


@pytest.mark.parametrize(
    "path, allowed",
    [
        ("/applications/", ["enterprise_admin", "bank_officer", "outsider"]),
        ("/applications/new-demand/", ["enterprise_admin", "outsider"]),
        ("/dashboard/", ["regulator_user", "operator"]),
        ("/matches/", ["bank_officer"]),
        ("/events/", ["enterprise_admin", "bank_officer", "regulator_user", "platform_admin", "operator", "outsider"]),
    ],
)
def test_each_page_opens_for_its_kinds_and_refuses_the_others(logged_in, request, path, allowed):
    for persona in ["enterprise_admin", "bank_officer", "regulator_user", "platform_admin", "operator", "outsider"]:
        response = logged_in(request.getfixturevalue(persona)).get(path)

        assert response.status_code == (200 if persona in allowed else 403), persona


@pytest.mark.parametrize("page", ["²", "99999999999999999999", "-1", "x"])
def test_a_page_number_that_is_not_one_shows_the_first_page(logged_in, enterprise_admin, page):
    assert logged_in(enterprise_admin).get("/products/", {"page": page}).status_code == 200


@pytest.mark.parametrize(
    "persona, shown, hidden",
    [
        ("enterprise_admin", ["/products/", "/applications/"], ["/dashboard/", "/matches/", "/events/"]),
        ("bank_officer", ["/products/", "/applications/", "/matches/"], ["/dashboard/", "/events/"]),
        ("regulator_user", ["/dashboard/", "/events/"], ["/products/", "/applications/", "/matches/"]),
        ("operator", ["/dashboard/", "/events/"], ["/applications/", "/matches/"]),
        ("platform_admin", ["/events/"], ["/dashboard/", "/applications/", "/matches/"]),
    ],
)
def test_the_navigation_shows_the_lending_pages_of_the_organization_kind(logged_in, request, persona, shown, hidden):
    html = logged_in(request.getfixturevalue(persona)).get("/").content.decode()

    assert all(f'href="{path}"' in html for path in shown)
    assert not any(f'href="{path}"' in html for path in hidden)


# --- the marketplace ---------------------------------------------------------------------------------------


def test_an_enterprise_sees_each_rule_of_a_product_passed_failed_or_unknown(logged_in, enterprise_admin, product):
    # given a product for micro and small enterprises with a tax grade rule, and no tax data
    html = logged_in(enterprise_admin).get("/products/").content.decode()

    # then the small enterprise passes the scale rule, the tax rule is unknown, and it may apply
    assert f'data-product="{product.pk}" data-eligible="yes"' in html
    assert '<li class="rule rule-passed" data-rule="scales" data-result="passed">' in html
    assert '<li class="rule rule-unknown" data-rule="min_tax_grade" data-result="unknown">' in html
    assert f'href="/products/{product.pk}/apply/"' in html
    assert 'data-col="amount">100,000.00 – 5,000,000.00' in html and 'data-col="rate">3.45% – 4.35%' in html


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


# --- applying ------------------------------------------------------------------------------------------------


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


# --- applications: lists, the workbench, who sees what --------------------------------------------------------------


def test_an_enterprise_lists_its_applications_and_never_another_ones(
    logged_in, enterprise_admin, outsider, product, consent
):
    application = submit(enterprise_admin, product)

    own = logged_in(enterprise_admin).get("/applications/").content.decode()
    other = logged_in(outsider).get("/applications/").content.decode()

    assert f'data-application="{application.pk}"' in own
    assert f'data-application="{application.pk}"' not in other
    assert logged_in(outsider).get(f"/applications/{application.pk}/").status_code == 404


@pytest.mark.parametrize("persona", ["outsider", "regulator_user", "platform_admin"])
def test_nobody_outside_the_application_sees_or_moves_it(
    logged_in, request, enterprise_admin, product, consent, persona
):
    application = submit(enterprise_admin, product)
    client = logged_in(request.getfixturevalue(persona))

    assert client.get(f"/applications/{application.pk}/").status_code == 404
    assert client.post(f"/applications/{application.pk}/accept/").status_code in (403, 404)
    assert client.post(f"/applications/{application.pk}/withdraw/").status_code in (403, 404)


def test_another_bank_does_not_see_the_application(logged_in, enterprise_admin, product, consent):
    application = submit(enterprise_admin, product)
    rival = UserFactory(organization=OrganizationFactory(kind="bank", region_code="410100"))

    client = logged_in(rival)

    assert f'data-application="{application.pk}"' not in client.get("/applications/").content.decode()
    assert client.get(f"/applications/{application.pk}/").status_code == 404
    assert client.post(f"/applications/{application.pk}/accept/").status_code == 404


def test_the_workbench_counts_down_to_the_acceptance_deadline_and_marks_overdue_ones_red(
    logged_in, enterprise_admin, bank_officer, product, consent
):
    fresh = submit(enterprise_admin, product)
    late = submit(enterprise_admin, product)
    Application.objects.filter(pk=late.pk).update(accept_due_at=timezone.now() - timedelta(hours=26))

    html = logged_in(bank_officer).get("/applications/").content.decode()

    late_row = re.search(rf'<tr data-application="{late.pk}".*?</tr>', html, re.S).group(0)
    fresh_row = re.search(rf'<tr data-application="{fresh.pk}".*?</tr>', html, re.S).group(0)
    assert 'class="sla sla-overdue"' in late_row and "Overdue by 1 d 2 h" in late_row
    assert 'class="sla"' in fresh_row and " left" in fresh_row
    assert html.index(f'data-application="{late.pk}"') < html.index(f'data-application="{fresh.pk}"')


def test_the_workbench_filters_by_status(logged_in, enterprise_admin, bank_officer, product, consent):
    submitted = submit(enterprise_admin, product)
    rejected = submit(enterprise_admin, product)
    application_transition(actor=bank_officer, application_id=rejected.pk, action="reject", reason_code="other")
    client = logged_in(bank_officer)

    in_progress = client.get("/applications/").content.decode()
    only_rejected = client.get("/applications/?status=rejected").content.decode()

    assert (
        f'data-application="{submitted.pk}"' in in_progress and f'data-application="{rejected.pk}"' not in in_progress
    )
    assert (
        f'data-application="{rejected.pk}"' in only_rejected
        and f'data-application="{submitted.pk}"' not in only_rejected
    )
    assert client.get("/applications/?status=nonsense").status_code == 400


def test_the_bank_sees_the_forms_of_what_it_may_do_now(logged_in, enterprise_admin, bank_officer, product, consent):
    application = submit(enterprise_admin, product)

    bank_page = logged_in(bank_officer).get(f"/applications/{application.pk}/").content.decode()
    enterprise_page = logged_in(enterprise_admin).get(f"/applications/{application.pk}/").content.decode()

    assert re.findall(r'data-testid="action-(\w+)"', bank_page) == ["accept", "reject"]
    assert re.findall(r'data-testid="action-(\w+)"', enterprise_page) == ["withdraw"]


# --- the whole way through the pages ------------------------------------------------------------------------------------


def test_an_application_goes_from_the_form_to_disbursement_through_the_pages(
    logged_in, client, enterprise_admin, bank_officer, product, consent
):
    # the enterprise applies
    client.force_login(enterprise_admin)
    client.post(f"/products/{product.pk}/apply/", {"amount": "800000", "term_months": "12", "purpose": "采购原材料"})
    application = Application.objects.get()
    url = f"/applications/{application.pk}/"

    # the bank works it through every step
    client.force_login(bank_officer)
    steps = [
        ("accept", {}),
        (
            "approve",
            {
                "approve-amount": "600000",
                "approve-rate": "3.85",
                "approve-term_months": "12",
                "approve-guarantee": "credit",
                "approve-first_loan": "on",
                "approve-pure_credit": "on",
            },
        ),
        ("sign", {"sign-contract_no": "HT-2026-001", "sign-amount": "600000", "sign-signed_on": TODAY}),
        ("disburse", {"disburse-amount": "600000", "disburse-disbursed_on": TODAY}),
    ]
    for action, body in steps:
        response = client.post(f"{url}{action}/", body)
        assert response.status_code == 302 and response["Location"] == url, action

    # the enterprise sees it disbursed, with every step on the timeline
    client.force_login(enterprise_admin)
    html = client.get(url).content.decode()
    application.refresh_from_db()
    assert application.status == "disbursed" and application.first_loan and application.pure_credit
    assert application.contract_no == "HT-2026-001" and application.disbursed_amount == Decimal("600000.00")
    assert 'data-testid="application-status" data-status="disbursed"' in html
    assert re.findall(r'<li data-status="(\w+)">', html) == ["submitted", "accepted", "approved", "signed", "disbursed"]
    assert "HT-2026-001" in html and "600,000.00" in html and 'data-testid="rate">3.85%' in html
    assert 'data-testid="actions"' not in html


def test_an_approval_above_the_amount_applied_for_is_named_next_to_the_amount(
    logged_in, enterprise_admin, bank_officer, product, consent
):
    application = submit(enterprise_admin, product)
    application_transition(actor=bank_officer, application_id=application.pk, action="accept")

    response = logged_in(bank_officer).post(
        f"/applications/{application.pk}/approve/",
        {
            "approve-amount": "900000",
            "approve-rate": "3.9",
            "approve-term_months": "12",
            "approve-guarantee": "credit",
        },
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert field_errors(html, "amount") == ["The approved amount must not exceed the amount applied for (800000.00)."]
    assert 'name="approve-rate" value="3.9"' in html
    application.refresh_from_db()
    assert application.status == "accepted"


def test_a_missing_field_of_an_action_is_named_and_nothing_changes(
    logged_in, enterprise_admin, bank_officer, product, consent
):
    application = submit(enterprise_admin, product)

    response = logged_in(bank_officer).post(f"/applications/{application.pk}/reject/", {"reject-reason": "材料不全"})

    assert response.status_code == 400
    assert field_errors(response.content.decode(), "reason_code")
    assert "材料不全" in response.content.decode()
    application.refresh_from_db()
    assert application.status == "submitted"


def test_an_action_the_state_no_longer_allows_is_refused_with_the_current_state(
    logged_in, enterprise_admin, bank_officer, product, consent
):
    application = submit(enterprise_admin, product)
    application_transition(actor=bank_officer, application_id=application.pk, action="accept")

    response = logged_in(bank_officer).post(f"/applications/{application.pk}/accept/", {}, follow=True)

    assert response.status_code == 200
    assert english(ApplicationMessages.WRONG_STATE, status="Accepted", action="accept") in response.content.decode()


def test_the_enterprise_cannot_do_the_banks_steps_and_the_bank_cannot_withdraw(
    logged_in, enterprise_admin, bank_officer, product, consent
):
    application = submit(enterprise_admin, product)

    assert logged_in(enterprise_admin).post(f"/applications/{application.pk}/accept/").status_code == 403
    assert logged_in(bank_officer).post(f"/applications/{application.pk}/withdraw/").status_code == 403


def test_the_enterprise_withdraws_while_it_may(logged_in, enterprise_admin, product, consent):
    application = submit(enterprise_admin, product)

    response = logged_in(enterprise_admin).post(
        f"/applications/{application.pk}/withdraw/", {"withdraw-reason": "不再需要"}, follow=True
    )

    application.refresh_from_db()
    assert application.status == "withdrawn"
    assert 'data-testid="actions"' not in response.content.decode()


# --- the dashboard -----------------------------------------------------------------------------------------------------


@pytest.fixture
def lending_history(enterprise_admin, bank_officer, product, consent):
    """Two applications in 410105 (Zhengzhou): one disbursed 600,000, one only submitted."""
    done = submit(enterprise_admin, product)
    for action, details in [
        ("accept", {}),
        (
            "approve",
            {"amount": Decimal("600000"), "rate": Decimal("3.85"), "term_months": 12, "guarantee": "credit"},
        ),
        ("sign", {"contract_no": "HT-1", "amount": Decimal("600000"), "signed_on": timezone.localdate()}),
        ("disburse", {"amount": Decimal("600000"), "disbursed_on": timezone.localdate()}),
    ]:
        application_transition(actor=bank_officer, application_id=done.pk, action=action, **details)
    submit(enterprise_admin, product)


def test_the_dashboard_shows_the_numbers_and_charts_of_the_region(logged_in, regulator_user, lending_history):
    response = logged_in(regulator_user).get("/dashboard/?group_by=region")

    html = response.content.decode()
    assert response.status_code == 200
    row = re.search(r'<tr data-key="410100">.*?</tr>', html, re.S).group(0)
    assert '<td class="num" data-col="applications">2</td>' in row
    assert '<td class="num" data-col="disbursed">1</td>' in row
    assert 'data-col="disbursed_amount">600,000.00</td>' in row
    assert 'data-testid="total-disbursed-amount">600,000.00<' in html
    assert html.count("<svg") == 3 and '<rect class="bar s0"' in html
    assert 'data-testid="overdue-applications">0<' in html


def test_the_dashboard_groups_by_bank(logged_in, regulator_user, lending_history):
    html = logged_in(regulator_user).get("/dashboard/?group_by=bank").content.decode()

    assert '<tr data-key="ZYBANK">' in html and "中原银行" in html


def test_the_dashboard_counts_overdue_applications(logged_in, operator, enterprise_admin, product, consent):
    late = submit(enterprise_admin, product)
    Application.objects.filter(pk=late.pk).update(accept_due_at=timezone.now() - timedelta(days=1))

    html = logged_in(operator).get("/dashboard/").content.decode()

    assert 'data-testid="overdue-applications">1<' in html


@pytest.mark.parametrize(
    "query, field",
    [
        ("group_by=colour", "group_by"),
        ("date_from=2026-03-01&date_to=2026-01-01", "date_from"),
        ("date_to=x", "date_to"),
    ],
)
def test_a_bad_dashboard_query_is_named_next_to_its_field(logged_in, regulator_user, query, field):
    response = logged_in(regulator_user).get(f"/dashboard/?{query}")

    assert response.status_code == 400
    assert field_errors(response.content.decode(), field)


@pytest.mark.parametrize("file_format, content_type", [("csv", "text/csv"), ("xlsx", "application/vnd.openxmlformats")])
def test_the_export_links_download_the_statistics(
    logged_in, regulator_user, lending_history, file_format, content_type
):
    client = logged_in(regulator_user)
    html = client.get("/dashboard/?group_by=region").content.decode()

    link = re.search(rf'href="([^"]+)" data-testid="export-lending-{file_format}"', html).group(1).replace("&amp;", "&")
    response = client.get(link)

    assert link.startswith("/api/v1/stats/lending/export/?group_by=region&from=")
    assert response.status_code == 200 and response["Content-Type"].startswith(content_type)
    if file_format == "csv":
        assert "410100,2," in response.content.decode("utf-8-sig")
    matching = re.search(rf'href="([^"]+)" data-testid="export-matching-{file_format}"', html).group(1)
    assert client.get(matching.replace("&amp;", "&")).status_code == 200


# --- matchmaking events and follow-up ---------------------------------------------------------------------------------


def test_a_platform_creates_an_event_records_an_intent_and_the_bank_follows_it_up(
    logged_in, client, platform_admin, bank_officer, enterprise
):
    # the platform creates an event and records an intent through the forms
    client.force_login(platform_admin)
    response = client.post(
        "/events/", {"title": "郑州市政银企对接会", "region_code": "410100", "held_on": TODAY, "description": ""}
    )
    event = MatchmakingEvent.objects.get()
    assert response["Location"] == f"/events/{event.pk}/"
    response = client.post(
        f"/events/{event.pk}/", {"bank": "ZYBANK", "enterprise": enterprise.code, "amount": "500000", "category": ""}
    )
    match = Match.objects.get()
    assert response.status_code == 302 and match.event == event and match.status == "intent"
    assert f'data-match="{match.pk}"' in client.get(f"/events/{event.pk}/").content.decode()

    # the bank sees it to follow up, and records contact, then signing
    client.force_login(bank_officer)
    assert f'data-match="{match.pk}" data-status="intent"' in client.get("/matches/").content.decode()
    prefix = f"match-{match.pk}"
    assert client.post(f"/matches/{match.pk}/progress/", {f"{prefix}-status": "contacted"}).status_code == 302
    refused = client.post(f"/matches/{match.pk}/progress/", {f"{prefix}-status": "signed", f"{prefix}-amount": ""})
    assert refused.status_code == 400
    assert field_errors(refused.content.decode(), "amount") == [english(MatchMessages.AMOUNT_NEEDED)]
    client.post(f"/matches/{match.pk}/progress/", {f"{prefix}-status": "signed", f"{prefix}-amount": "450000"})
    match.refresh_from_db()
    assert match.status == "signed" and match.signed_amount == Decimal("450000.00")


def test_an_intent_for_an_unknown_enterprise_is_named_next_to_the_field(logged_in, platform_admin, bank):
    client = logged_in(platform_admin)
    client.post("/events/", {"title": "对接会", "region_code": "410100", "held_on": TODAY})
    event = MatchmakingEvent.objects.get()
    unknown = make_uscc(region_code="410100", serial=987654)

    response = client.post(f"/events/{event.pk}/", {"bank": "ZYBANK", "enterprise": unknown, "amount": "1"})

    assert response.status_code == 400
    assert field_errors(response.content.decode(), "enterprise") == [english(MatchMessages.UNKNOWN_ENTERPRISE)]
    assert f'value="{unknown}"' in response.content.decode()


def test_the_event_form_names_a_bad_region(logged_in, regulator_user):
    response = logged_in(regulator_user).post("/events/", {"title": "对接会", "region_code": "99", "held_on": TODAY})

    assert response.status_code == 400 and field_errors(response.content.decode(), "region_code")


def test_only_organizers_create_events_and_others_do_not_see_foreign_ones(
    logged_in, bank_officer, outsider, platform_admin
):
    client = logged_in(platform_admin)
    client.post("/events/", {"title": "对接会", "region_code": "410100", "held_on": TODAY})
    event = MatchmakingEvent.objects.get()

    assert logged_in(bank_officer).post("/events/", {"title": "x"}).status_code == 403
    assert logged_in(outsider).get(f"/events/{event.pk}/").status_code == 404


def test_matches_from_applications_follow_their_application_and_offer_no_form(
    logged_in, enterprise_admin, bank_officer, product, consent
):
    application = submit(enterprise_admin, product)
    application_transition(actor=bank_officer, application_id=application.pk, action="accept")
    match = Match.objects.get(application=application)

    client = logged_in(bank_officer)
    row = re.search(rf'<tr data-match="{match.pk}".*?</tr>', client.get("/matches/").content.decode(), re.S).group(0)

    assert 'data-testid="progress-form"' not in row and f'href="/applications/{application.pk}/"' in row
    response = client.post(f"/matches/{match.pk}/progress/", {f"match-{match.pk}-status": "failed"}, follow=True)
    assert "cannot be moved from here" in response.content.decode()
