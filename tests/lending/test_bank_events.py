"""What banks are told (webhook events and notices, in the change's transaction): a new
application, an open demand in a region they serve, a withdrawal, a deadline approaching —
each read in the reader's language, no credit data in the payload."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from hub.models import Notification, WebhookEvent
from hub.services.consent import authorization_grant, authorizations_record_expiring
from lending.models import Application
from lending.services.applications import (
    application_submit,
    application_transition,
    applications_record_deadlines_approaching,
)
from tests.hub.factories import OrganizationFactory
from tests.lending.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(bank):
    return ProductFactory(bank=bank, region_codes=["410000"], status="published")


@pytest.fixture
def authorized(enterprise_admin, bank):
    return authorization_grant(
        actor=enterprise_admin,
        bank_code=bank.code,
        scopes=["tax"],
        purpose="loan_review",
        expires_at=timezone.now() + timedelta(days=5),
    )


def submit(enterprise_admin, product=None):
    return application_submit(
        actor=enterprise_admin,
        product_id=product.pk if product else None,
        amount=product.min_amount if product else Decimal("500000.00"),
        term_months=product.min_term_months if product else 12,
        purpose="采购原材料",
    )


def test_a_new_application_is_an_event_and_a_notice_for_its_bank(enterprise_admin, bank, product, authorized):
    application = submit(enterprise_admin, product)

    event = WebhookEvent.objects.get(type="application.submitted")
    assert event.organization_id == bank.pk
    assert event.data["application"] == application.pk and event.data["status"] == "submitted"
    notice = Notification.objects.get(organization=bank, kind="application")
    with translation.override("zh-hans"):
        assert notice.rendered_title == "新的贷款申请"
    with translation.override("en"):
        assert str(application.pk) in notice.rendered_body


def test_an_open_demand_is_told_to_the_banks_serving_the_region_only(enterprise_admin, bank, product):
    far_bank = OrganizationFactory(kind="bank", code="FAR", region_code="440100")

    submit(enterprise_admin)

    told = set(WebhookEvent.objects.filter(type="demand.posted").values_list("organization_id", flat=True))
    assert told == {bank.pk}
    assert not Notification.objects.filter(organization=far_bank).exists()


def test_a_withdrawal_is_told_to_the_bank(enterprise_admin, bank, product, authorized):
    application = submit(enterprise_admin, product)

    application_transition(actor=enterprise_admin, application_id=application.pk, action="withdraw")

    assert WebhookEvent.objects.filter(type="application.withdrawn", organization=bank).count() == 1


def test_a_deadline_approaching_is_told_once(enterprise_admin, bank, product, authorized):
    application = submit(enterprise_admin, product)
    Application.objects.filter(pk=application.pk).update(accept_due_at=timezone.now() + timedelta(hours=3))

    assert applications_record_deadlines_approaching() == 1
    applications_record_deadlines_approaching()

    assert WebhookEvent.objects.filter(type="deadline.approaching").count() == 1
    assert Notification.objects.filter(organization=bank, kind="deadline").count() == 1


def test_an_authorization_expiring_within_7_days_is_told_once(bank, authorized):
    authorizations_record_expiring()
    authorizations_record_expiring()

    (event,) = WebhookEvent.objects.filter(type="authorization.expiring")
    assert event.organization_id == bank.pk and event.data["authorization"] == authorized.pk
    assert Notification.objects.filter(organization=bank, kind="consent").count() == 2  # granted, expiring
