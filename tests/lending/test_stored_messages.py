"""Notices and timeline notes are stored by message id and read in each reader's language,
whatever language the page that caused them was in."""

from decimal import Decimal

import pytest
from django.utils import translation

from hub.messages import render_message, stored_message
from hub.models import Notification
from lending.models import ApplicationTransition
from lending.services.applications import application_submit, application_transition

pytestmark = pytest.mark.django_db


def test_a_stored_message_reads_in_the_active_language_with_its_translatable_parameters():
    from lending.models import Application

    with translation.override("zh-hans"):
        stored = stored_message(
            translation.gettext_lazy("Your loan application #%(id)s is now %(status)s"),
            id=7,
            status=Application.Status.APPROVED.label,
        )

    with translation.override("en"):
        assert render_message(stored) == "Your loan application #7 is now Approved"
    with translation.override("zh-hans"):
        assert render_message(stored) == "您的贷款申请 #7 当前状态：已审批"


def test_a_step_written_in_chinese_reads_in_english_and_the_reverse(
    enterprise_admin, bank_officer, product, consent, api_client_for
):
    with translation.override("zh-hans"):
        application = application_submit(
            actor=enterprise_admin, product_id=product.pk, amount=Decimal("600000.00"), term_months=12, purpose="周转"
        )
        application_transition(actor=bank_officer, application_id=application.pk, action="accept")
        application_transition(
            actor=bank_officer,
            application_id=application.pk,
            action="approve",
            amount=Decimal("600000.00"),
            rate=Decimal("3.85"),
            term_months=12,
            guarantee="credit",
        )
    step = ApplicationTransition.objects.filter(application=application).last()
    notice = Notification.objects.filter(organization=enterprise_admin.organization, kind="application").last()

    with translation.override("en"):
        assert step.rendered_note == "Approved 600000.00 yuan at 3.85% for 12 months"
        assert notice.rendered_title == f"Your loan application #{application.pk} is now Approved"
    with translation.override("zh-hans"):
        assert "600000.00" in step.rendered_note and "Approved" not in step.rendered_note
    english = api_client_for(enterprise_admin).get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["results"][0]["title"] == f"Your loan application #{application.pk} is now Approved"


def test_free_text_stays_as_written(enterprise):
    from hub.services.notifications import notification_send

    notice = notification_send(organization_id=enterprise.pk, kind="policy", title="稳岗政策", body="正文")

    with translation.override("en"):
        assert (notice.rendered_title, notice.rendered_body) == ("稳岗政策", "正文")
