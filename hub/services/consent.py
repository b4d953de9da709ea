"""Writes for authorizations (the enterprise's consent): grant, sign, revoke, record expiry.

Only a verified enterprise consents, and only through the people who sign for it: its
legal representative, or an agent within the categories of their appointment. Where the
enterprise asks two signers for a category, the authorization waits (``pending_signatures``)
for a second person and reads nothing until then."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub import audit
from hub.categories import ALL_CATEGORIES
from hub.errors import Conflict, Forbidden, InvalidInput, NotFound
from hub.messages import stored_message
from hub.models import Authorization, AuthorizationSignature, Notification, Organization, Signer, User
from hub.receipts import sign_receipt
from hub.selectors.verification import current_signer, require_verified
from hub.services.events import event_record
from hub.services.notifications import notification_send
from hub.services.verification import verification_of
from hub.status_lists import status_entry_allocate, status_list_uri

MAX_VALIDITY = timedelta(days=366)


class Messages:
    ENTERPRISE_ONLY = _("Only people of an enterprise can grant authorizations.")
    UNKNOWN_BANK = _("No bank with this code.")
    SCOPES_EMPTY = _("Name at least one credit category.")
    SCOPE_UNKNOWN = _("Unknown credit category: %(scope)s.")
    EXPIRY_PAST = _("The expiry must be in the future.")
    EXPIRY_TOO_FAR = _("An authorization is valid for at most one year.")
    UNKNOWN_APPLICATION = _("No such application of this enterprise.")
    PURPOSE_UNKNOWN = _("Unknown purpose %(purpose)s; use loan_review, pre_credit or post_loan.")
    NOT_ACTIVE = _("The authorization is %(status)s, not active.")
    NOT_A_SIGNER = _(
        "Only the enterprise's legal representative or an agent appointed for these categories can do this."
    )
    NOT_PENDING = _("The authorization is %(status)s; it does not wait for a signature.")
    ALREADY_SIGNED = _("You have signed this authorization already; another signer must sign it.")
    SIGN_NOTICE_TITLE = _("An authorization waits for your signature")


@transaction.atomic
def authorization_grant(
    *,
    actor: User,
    bank_code: str,
    scopes: list[str],
    purpose: str,
    expires_at: datetime,
    application_id: int | None = None,
) -> Authorization:
    """An enterprise authorizes a bank to read some credit categories, for one purpose, until
    ``expires_at`` (future, at most one year ahead). Returns it with its signed receipt.

    A signer of a verified enterprise grants; it is active with its receipt at once, or
    ``pending_signatures`` where a category needs a second signer (:func:`authorization_sign`).

    Raises Forbidden (not an enterprise user; ``enterprise_unverified``; ``not_a_signer``)
    or InvalidInput naming the field at fault.
    """
    enterprise = actor.organization
    if enterprise is None or enterprise.kind != Organization.Kind.ENTERPRISE:
        raise Forbidden(Messages.ENTERPRISE_ONLY)
    require_verified(enterprise)
    bank = Organization.objects.filter(kind=Organization.Kind.BANK, code=bank_code, is_active=True).first()
    if bank is None:
        raise InvalidInput(Messages.UNKNOWN_BANK, fields={"bank": [Messages.UNKNOWN_BANK]})
    if not scopes:
        raise InvalidInput(Messages.SCOPES_EMPTY, fields={"scopes": [Messages.SCOPES_EMPTY]})
    unknown = [scope for scope in scopes if scope not in ALL_CATEGORIES]
    if unknown:
        message = Messages.SCOPE_UNKNOWN % {"scope": unknown[0]}
        raise InvalidInput(message, fields={"scopes": [message]})
    if purpose not in Authorization.Purpose.values:
        message = Messages.PURPOSE_UNKNOWN % {"purpose": purpose}
        raise InvalidInput(message, fields={"purpose": [message]})
    now = timezone.now()
    if expires_at <= now:
        raise InvalidInput(Messages.EXPIRY_PAST, fields={"expires_at": [Messages.EXPIRY_PAST]})
    if expires_at > now + MAX_VALIDITY:
        raise InvalidInput(Messages.EXPIRY_TOO_FAR, fields={"expires_at": [Messages.EXPIRY_TOO_FAR]})
    if application_id is not None and not _application_belongs_to(application_id, enterprise):
        raise InvalidInput(Messages.UNKNOWN_APPLICATION, fields={"application": [Messages.UNKNOWN_APPLICATION]})
    scopes = sorted(set(scopes), key=ALL_CATEGORIES.index)
    signer = _signer_for(actor, enterprise, scopes)
    verification = verification_of(enterprise)
    needs_two = verification.signers_needed(scopes) > 1

    authorization = Authorization.objects.create(
        enterprise=enterprise,
        bank=bank,
        scopes=scopes,
        purpose=purpose,
        status=Authorization.Status.PENDING_SIGNATURES if needs_two else Authorization.Status.ACTIVE,
        granted_at=now,
        expires_at=expires_at,
        application_id=application_id,
        granted_by=actor,
        receipt="",
    )
    AuthorizationSignature.objects.create(
        authorization=authorization, user=actor, role=signer.role, person=signer.person, signed_at=now
    )
    audit.authorization_granted(authorization=authorization, actor=actor)
    if needs_two:
        notification_send(
            organization_id=enterprise.pk,
            kind=Notification.Kind.CONSENT,
            title=Messages.SIGN_NOTICE_TITLE,
            body=stored_message(
                _("Authorization #%(id)s for %(bank)s needs a second signer within 7 days."),
                id=authorization.pk,
                bank=bank.name,
            ),
            data={"authorization": authorization.pk},
        )
    else:
        receipt_issue(authorization, verification)
        _event("authorization.granted", authorization)
    return authorization


def _event(event_type: str, authorization: Authorization, **extra) -> None:
    """The bank's webhook event and notice about this authorization (hub.services.events)."""
    event_record(
        type=event_type,
        organization_ids=[authorization.bank_id],
        object_type="authorization",
        object_id=authorization.pk,
        data={
            "authorization": authorization.pk,
            "enterprise": authorization.enterprise.code,
            "scopes": list(authorization.scopes),
            "purpose": authorization.purpose,
            "status": authorization.status,
            "expires_at": authorization.expires_at.isoformat(),
            **extra,
        },
        **({"dedupe_key": f"{event_type}:{authorization.pk}"} if event_type == "authorization.expiring" else {}),
    )


def _signer_for(actor: User, enterprise: Organization, scopes) -> Signer:
    """The actor's signing role covering ``scopes``; Forbidden ``not_a_signer`` otherwise."""
    signer = current_signer(user=actor, enterprise=enterprise)
    if signer is None or not signer.covers(scopes):
        raise Forbidden(Messages.NOT_A_SIGNER, code="not_a_signer")
    return signer


def receipt_issue(authorization: Authorization, verification) -> None:
    """Sign the receipt of an authorization that is now active, with its entry in a status
    list. Runs inside the transaction that activates it."""
    authorization.status_list_id, authorization.status_index = status_entry_allocate()
    authorization.receipt = sign_receipt(
        authorization,
        verification=verification,
        signatures=list(authorization.signatures.all()),
        status_uri=status_list_uri(authorization.status_list_id),
    )
    Authorization.objects.filter(pk=authorization.pk).update(
        receipt=authorization.receipt,
        status_list_id=authorization.status_list_id,
        status_index=authorization.status_index,
    )


@transaction.atomic
def authorization_sign(*, actor: User, authorization_id: int) -> Authorization:
    """A second signer signs an authorization that waits for one; it becomes active with
    its receipt once enough people signed.

    Raises NotFound (not the enterprise's), Forbidden (``enterprise_unverified``,
    ``not_a_signer``), Conflict (``already_signed``; not pending, or past the 7 days).
    """
    authorization = (
        Authorization.objects.select_for_update()
        .select_related("enterprise", "bank")
        .filter(pk=authorization_id, enterprise_id=actor.organization_id)
        .first()
    )
    if authorization is None:
        raise NotFound(_("Authorization not found."))
    if authorization.status_now != Authorization.Status.PENDING_SIGNATURES:
        raise Conflict(Messages.NOT_PENDING % {"status": authorization.status_now.label})
    require_verified(authorization.enterprise)
    signer = _signer_for(actor, authorization.enterprise, authorization.scopes)
    signatures = authorization.signatures
    if signatures.filter(Q(user=actor) | Q(person=signer.person)).exists():
        raise Conflict(Messages.ALREADY_SIGNED, code="already_signed")
    AuthorizationSignature.objects.create(
        authorization=authorization, user=actor, role=signer.role, person=signer.person
    )
    audit.authorization_signed(authorization=authorization, actor=actor)
    verification = verification_of(authorization.enterprise)
    if signatures.count() >= verification.signers_needed(authorization.scopes):
        authorization.status = Authorization.Status.ACTIVE
        authorization.save(update_fields=["status"])
        receipt_issue(authorization, verification)
        audit.authorization_activated(authorization=authorization, actor=actor)
        _event("authorization.granted", authorization)
    return authorization


# Applications live in the lending app, which depends on hub, not the other way round: it
# registers how to tell whether an application is an enterprise's (lending/apps.py). Without
# it, no application exists.
_application_lookups: list[Callable[[int, Organization], bool]] = []


def register_application_lookup(lookup: Callable[[int, Organization], bool]) -> None:
    """``lookup(application_id, enterprise)``: whether that application is the enterprise's."""
    _application_lookups[:] = [lookup]


def _application_belongs_to(application_id: int, enterprise: Organization) -> bool:
    return any(lookup(application_id, enterprise) for lookup in _application_lookups)


@transaction.atomic
def authorization_revoke(*, actor: User, authorization_id: int) -> Authorization:
    """A signer of the granting enterprise revokes an authorization (active, or still waiting
    for signatures); every later read is refused and its receipt's status bit reads 1 from
    the moment this commits.

    Raises NotFound (not the granting enterprise's), Forbidden (``not_a_signer``) or Conflict
    (already revoked or expired).
    """
    authorization = (
        Authorization.objects.select_for_update()
        .filter(pk=authorization_id, enterprise_id=actor.organization_id)
        .first()
    )
    if authorization is None:
        raise NotFound(_("Authorization not found."))
    # Any current signer may withdraw consent, whatever the categories: revoking only protects.
    if current_signer(user=actor, enterprise=authorization.enterprise) is None:
        raise Forbidden(Messages.NOT_A_SIGNER, code="not_a_signer")
    if authorization.status_now not in (Authorization.Status.ACTIVE, Authorization.Status.PENDING_SIGNATURES):
        raise Conflict(Messages.NOT_ACTIVE % {"status": authorization.status_now.label})
    authorization.status = Authorization.Status.REVOKED
    authorization.revoked_at = timezone.now()
    authorization.save(update_fields=["status", "revoked_at"])
    audit.authorization_revoked(authorization=authorization, actor=actor)
    _event("authorization.revoked", authorization, revoked_at=authorization.revoked_at.isoformat())
    return authorization


EXPIRING_NOTICE = timedelta(days=7)


def authorizations_record_expiring(*, batch_size: int = 500) -> int:
    """Tell each bank, once per authorization, that an active authorization of its expires
    within 7 days (``authorization.expiring``: its webhook event and notice). Returns how many
    were told."""
    told = 0
    last_pk = 0
    while True:
        now = timezone.now()
        with transaction.atomic():
            due = list(
                Authorization.objects.select_related("enterprise")
                .filter(
                    status=Authorization.Status.ACTIVE,
                    expires_at__gt=now,
                    expires_at__lte=now + EXPIRING_NOTICE,
                    pk__gt=last_pk,
                )
                .order_by("pk")[:batch_size]
            )
            if not due:
                return told
            for authorization in due:
                _event("authorization.expiring", authorization)
            told += len(due)
            last_pk = due[-1].pk


def authorizations_record_expiry(*, batch_size: int = 500) -> int:
    """Mark active authorizations past their expiry, and those still unsigned after their
    signing window, as expired, each with its audit event, in small transactions. Reads
    already refuse them (``is_in_force``); this records it. Returns how many were marked."""
    marked = 0
    while True:
        now = timezone.now()
        due_filter = Q(status=Authorization.Status.ACTIVE, expires_at__lte=now) | Q(
            status=Authorization.Status.PENDING_SIGNATURES, granted_at__lte=now - Authorization.SIGNING_WINDOW
        )
        with transaction.atomic():
            due = list(
                Authorization.objects.select_for_update(skip_locked=True).filter(due_filter).order_by("pk")[:batch_size]
            )
            if not due:
                return marked
            for authorization in due:
                authorization.status = Authorization.Status.EXPIRED
                authorization.save(update_fields=["status"])
                audit.authorization_expired(authorization=authorization)
            marked += len(due)
