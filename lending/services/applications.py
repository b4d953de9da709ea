"""Loan applications: submission, the explicit state machine, open demands that banks claim.

Every transition, in one transaction: the row changes under a lock (or a conditional
UPDATE for claims), the timeline gets a step, the match follows, the statistics follow,
the audit log records it, and the enterprise gets a notice. A disbursement creates the loan
(lending/services/loans.py).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from connectors.national import facts as national_facts
from hub.errors import Conflict, Forbidden, InvalidInput, NotFound
from hub.identifiers import region_covers
from hub.messages import stored_message
from hub.models import Notification, Organization, User
from hub.selectors.consent import bank_has_authorization_in_force
from hub.selectors.verification import require_verified
from hub.selectors.working_days import add_working_days
from hub.services.events import event_record
from hub.services.notifications import notification_send
from lending import audit
from lending.eligibility import provided_fact
from lending.models import Application, ApplicationTransition, LoanProduct
from lending.models.applications import OPEN_DEMAND
from lending.selectors.products import banks_serving
from lending.services.loans import loan_create_for_disbursement
from lending.services.matches import match_follow_application
from lending.stats_maintenance import aggregates_apply

Status = Application.Status


@dataclass(frozen=True)
class Transition:
    sources: tuple[str, ...]
    target: str
    by: str  # "bank" (users of the application's bank) or "enterprise"


# The one table of allowed transitions (STYLE.md rule 3). ``claim`` is separate: it is
# the only one that assigns the bank, and it races.
TRANSITIONS: dict[str, Transition] = {
    "accept": Transition((Status.SUBMITTED,), Status.ACCEPTED, "bank"),
    "approve": Transition((Status.ACCEPTED,), Status.APPROVED, "bank"),
    "reject": Transition((Status.SUBMITTED, Status.ACCEPTED), Status.REJECTED, "bank"),
    "sign": Transition((Status.APPROVED,), Status.SIGNED, "bank"),
    "disburse": Transition((Status.SIGNED,), Status.DISBURSED, "bank"),
    "withdraw": Transition((Status.SUBMITTED, Status.ACCEPTED), Status.WITHDRAWN, "enterprise"),
}
ACTIONS = ("claim", *TRANSITIONS)


class Messages:
    ENTERPRISE_ONLY = _("Only enterprise users apply for loans.")
    PRODUCT_UNAVAILABLE = _("This product is not published or does not serve your region.")
    NEEDS_AUTHORIZATION = _("Authorize the product's bank to read your credit data before applying.")
    AMOUNT_OUT_OF_RANGE = _("The amount must be between %(min)s and %(max)s yuan for this product.")
    TERM_OUT_OF_RANGE = _("The term must be between %(min)d and %(max)d months for this product.")
    WRONG_STATE = _("The application is %(status)s; “%(action)s” is not possible in that state.")
    NOT_YOURS = _("Only users of the application's bank can do this.")
    CLAIM_NOT_SERVING = _("Your bank does not serve this enterprise's region.")
    CLAIM_LOST = _("Another bank has already claimed this demand.")
    NOTICE_TITLE = _("Your loan application #%(id)s is now %(status)s")


def _bank_serves(bank: Organization, region_code: str) -> bool:
    return any(serving.pk == bank.pk for serving in banks_serving(region_code))


def _record(
    application: Application, before: Application | None, actor: User, note: str | dict = "", data=None
) -> None:
    """Everything that follows a change of an application, in its transaction. ``note``: free
    text as typed, or a stored message (hub.messages) read in each reader's language."""
    from_status = before.status if before else ""
    ApplicationTransition.objects.create(
        application=application,
        from_status=from_status,
        to_status=application.status,
        at=timezone.now(),
        actor=actor,
        note="" if isinstance(note, dict) else note[:500],
        note_message=note if isinstance(note, dict) else None,
    )
    aggregates_apply(before, application)
    match_follow_application(application, actor=actor)
    audit.application_changed(application=application, actor=actor, from_status=from_status, data=data)
    _events(application, before)
    national_facts.application_changed(application, created=before is None)
    if before is not None:
        notification_send(
            organization_id=application.enterprise_id,
            kind=Notification.Kind.APPLICATION,
            title=stored_message(
                Messages.NOTICE_TITLE, id=application.pk, status=Application.Status(application.status).label
            ),
            body=note or Application.Status(application.status).label,
            data={"application": application.pk, "status": application.status},
        )


def _event_data(application: Application) -> dict:
    return {
        "application": application.pk,
        "enterprise": application.enterprise.code,
        "product": application.product_id,
        "status": application.status,
        "amount": str(application.amount),
        "term_months": application.term_months,
        "region_code": application.region_code,
        "submitted_at": application.submitted_at.isoformat(),
        "accept_due_at": application.accept_due_at.isoformat() if application.accept_due_at else None,
    }


def _events(application: Application, before: Application | None) -> None:
    """The banks' webhook events and notices (hub.services.events): a new application for its
    bank, a new open demand for every bank serving the region, a withdrawal for the bank."""
    if before is None and application.bank_id:
        organization_ids, event_type = [application.bank_id], "application.submitted"
    elif before is None:
        organization_ids = [bank.pk for bank in banks_serving(application.region_code)]
        event_type = "demand.posted"
    elif application.status == Status.WITHDRAWN and application.bank_id:
        organization_ids, event_type = [application.bank_id], "application.withdrawn"
    else:
        return
    data = _event_data(application)
    if event_type == "application.withdrawn":
        data["withdrawn_at"] = timezone.now().isoformat()
    event_record(
        type=event_type,
        organization_ids=organization_ids,
        object_type="application",
        object_id=application.pk,
        data=data,
    )


# How long before a bank's deadline to accept or reject it is told (deadline.approaching).
DEADLINE_NOTICE = timedelta(hours=24)


def applications_record_deadlines_approaching(*, batch_size: int = 500) -> int:
    """Tell each bank, once per application, that the deadline to accept or reject an
    application still waiting for it ends within 24 hours (``deadline.approaching``). Returns
    how many were told."""
    told, last_pk = 0, 0
    while True:
        now = timezone.now()
        with transaction.atomic():
            due = list(
                Application.objects.select_related("enterprise")
                .filter(
                    status=Status.SUBMITTED,
                    bank__isnull=False,
                    accept_due_at__gt=now,
                    accept_due_at__lte=now + DEADLINE_NOTICE,
                    pk__gt=last_pk,
                )
                .order_by("pk")[:batch_size]
            )
            if not due:
                return told
            for application in due:
                event_record(
                    type="deadline.approaching",
                    organization_ids=[application.bank_id],
                    object_type="application",
                    object_id=application.pk,
                    data={
                        **_event_data(application),
                        "deadline": "accept",
                        "due_at": application.accept_due_at.isoformat(),
                    },
                    dedupe_key=f"deadline.approaching:accept:{application.pk}",
                )
            told += len(due)
            last_pk = due[-1].pk


@transaction.atomic
def application_submit(
    *, actor: User, product_id: int | None, amount: Decimal, term_months: int, purpose: str
) -> Application:
    """An enterprise applies to a product, or posts an open demand (``product_id`` None).

    Raises Forbidden (not an enterprise user; ``enterprise_unverified``: only a verified
    enterprise submits) or InvalidInput naming ``product``, ``amount`` or ``term_months``.
    """
    enterprise = actor.organization
    if enterprise is None or not enterprise.is_enterprise:
        raise Forbidden(Messages.ENTERPRISE_ONLY)
    require_verified(enterprise)
    product = None
    if product_id is not None:
        product = LoanProduct.objects.select_related("bank").filter(pk=product_id).first()
        if (
            product is None
            or product.status != LoanProduct.Status.PUBLISHED
            or not region_covers(product.region_codes, enterprise.region_code)
        ):
            raise InvalidInput(Messages.PRODUCT_UNAVAILABLE, fields={"product": [Messages.PRODUCT_UNAVAILABLE]})
        if not bank_has_authorization_in_force(bank_id=product.bank_id, enterprise_id=enterprise.pk):
            raise InvalidInput(Messages.NEEDS_AUTHORIZATION, fields={"product": [Messages.NEEDS_AUTHORIZATION]})
        if not product.min_amount <= amount <= product.max_amount:
            message = Messages.AMOUNT_OUT_OF_RANGE % {"min": product.min_amount, "max": product.max_amount}
            raise InvalidInput(message, fields={"amount": [message]})
        if not product.min_term_months <= term_months <= product.max_term_months:
            message = Messages.TERM_OUT_OF_RANGE % {"min": product.min_term_months, "max": product.max_term_months}
            raise InvalidInput(message, fields={"term_months": [message]})
    now = timezone.now()
    application = Application.objects.create(
        enterprise=enterprise,
        product=product,
        bank=product.bank if product else None,
        amount=amount,
        term_months=term_months,
        purpose=purpose,
        region_code=enterprise.region_code,
        category=product.category if product else OPEN_DEMAND,
        whitelisted=_is_whitelisted(enterprise),
        submitted_at=now,
        accept_due_at=add_working_days(now, settings.LENDING_ACCEPT_WORKING_DAYS),
    )
    _record(application, None, actor)
    return application


def _is_whitelisted(enterprise: Organization) -> bool:
    return bool(provided_fact("whitelisted", enterprise))


@transaction.atomic
def application_claim(*, actor: User, application_id: int) -> Application:
    """A bank serving the enterprise's region claims an open demand; it is accepted at once.

    Exactly one of several concurrent claimers wins (a conditional UPDATE); the others get
    Conflict. Raises NotFound, Forbidden or Conflict.
    """
    bank = actor.organization
    if bank is None or not bank.is_bank:
        raise Forbidden(Messages.NOT_YOURS)
    application = Application.objects.filter(pk=application_id).first()
    if application is None or not (application.is_open_demand and _bank_serves(bank, application.region_code)):
        raise NotFound(_("Application not found."))
    before = copy.copy(application)
    now = timezone.now()
    won = Application.objects.filter(
        pk=application_id, status=Status.SUBMITTED, product__isnull=True, bank__isnull=True
    ).update(bank=bank, status=Status.ACCEPTED, accepted_at=now)
    application.refresh_from_db()
    if not won:  # another bank was faster, or the enterprise withdrew it meanwhile
        raise Conflict(
            Messages.CLAIM_LOST
            if application.bank_id
            else Messages.WRONG_STATE % {"status": application.get_status_display(), "action": "claim"}
        )
    _record(application, before, actor, note=stored_message(_("Claimed by %(bank)s"), bank=bank.name))
    return application


@transaction.atomic
def application_transition(*, actor: User, application_id: int, action: str, **details) -> Application:
    """Move an application along the transition table; ``details`` are the action's body.

    Raises NotFound (not visible to the caller), Forbidden (wrong party), Conflict (the
    current state does not allow the action; the message names it) or InvalidInput.
    """
    transition = TRANSITIONS[action]
    application = Application.objects.select_for_update().filter(pk=application_id).first()
    organization_id = actor.organization_id
    if (
        application is None
        or organization_id is None
        or organization_id not in (application.enterprise_id, application.bank_id)
    ):
        raise NotFound(_("Application not found."))
    party_id = application.bank_id if transition.by == "bank" else application.enterprise_id
    if organization_id != party_id:
        raise Forbidden(Messages.NOT_YOURS)
    if application.status not in transition.sources:
        raise Conflict(
            Messages.WRONG_STATE % {"status": application.get_status_display(), "action": action},
            code="wrong_state",
        )
    before = copy.copy(application)
    now = timezone.now()
    note = _apply_details(application, action, details, now)
    application.status = transition.target
    application.save()
    _record(application, before, actor, note=note, data={key: str(value) for key, value in details.items()})
    if action == "disburse":  # the loan begins with the disbursement, in its transaction
        loan_create_for_disbursement(application=application, actor=actor)
    return application


def _apply_details(application: Application, action: str, details: dict, now) -> str | dict:
    if action == "accept":
        application.accepted_at = now
        return ""
    if action == "approve":
        amount = details["amount"]
        if amount > application.amount:
            message = _("The approved amount must not exceed the amount applied for (%(amount)s).") % {
                "amount": application.amount
            }
            raise InvalidInput(message, fields={"amount": [message]})
        application.decided_at = now
        application.approved_amount = amount
        application.rate = details["rate"]
        application.approved_term_months = details["term_months"]
        application.guarantee = details["guarantee"]
        application.first_loan = details.get("first_loan", False)
        application.pure_credit = details.get("pure_credit", False)
        application.renewal = details.get("renewal", False)
        return stored_message(
            _("Approved %(amount)s yuan at %(rate)s%% for %(term)d months"),
            amount=amount,
            rate=details["rate"],
            term=details["term_months"],
        )
    if action == "reject":
        application.decided_at = now
        application.reason_code = details["reason_code"]
        application.reason = details.get("reason", "")
        reason_label = dict(Application._meta.get_field("reason_code").choices)[application.reason_code]
        if not application.reason:
            return stored_message(reason_label)
        return stored_message(_("%(reason_code)s: %(reason)s"), reason_code=reason_label, reason=application.reason)
    if action == "sign":
        amount = details["amount"]
        if amount > application.approved_amount:
            message = _("The signed amount must not exceed the approved amount (%(amount)s).") % {
                "amount": application.approved_amount
            }
            raise InvalidInput(message, fields={"amount": [message]})
        _check_not_future(details["signed_on"], "signed_on")
        application.signed_at = now
        application.contract_no = details["contract_no"]
        application.signed_amount = amount
        application.signed_on = details["signed_on"]
        return stored_message(_("Contract %(no)s signed"), no=details["contract_no"])
    if action == "disburse":
        amount = details["amount"]
        if amount > application.signed_amount:
            message = _("The disbursed amount must not exceed the signed amount (%(amount)s).") % {
                "amount": application.signed_amount
            }
            raise InvalidInput(message, fields={"amount": [message]})
        _check_not_future(details["disbursed_on"], "disbursed_on")
        application.disbursed_at = now
        application.disbursed_amount = amount
        application.disbursed_on = details["disbursed_on"]
        return stored_message(_("%(amount)s yuan disbursed"), amount=amount)
    if action == "withdraw":
        application.decided_at = now
        return details.get("reason", "")
    raise AssertionError(action)  # pragma: no cover


def _check_not_future(day: date, field: str) -> None:
    if day > timezone.localdate():
        message = _("The date must not be in the future.")
        raise InvalidInput(message, fields={field: [message]})
