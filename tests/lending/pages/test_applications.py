"""Lending pages: the enterprise's applications, the bank's workbench, one application's steps."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from lending.models import Application
from lending.services.applications import Messages as ApplicationMessages
from lending.services.applications import application_transition
from tests.hub.factories import OrganizationFactory, UserFactory
from tests.lending.pages.helpers import TODAY, english, field_errors, submit

pytestmark = pytest.mark.django_db


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
