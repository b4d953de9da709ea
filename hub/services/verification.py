"""Writes for verification: a registration becomes its USCC's holder, who signs for it, the
operator's suspension, the attempt limit. Every verification method's flow ends in
:func:`enterprise_verify`; what each method checks is its own module's business
(``hub/verification/methods/``, ``connectors/verification.py``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.categories import ALL_CATEGORIES
from hub.crypto import blind_index
from hub.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyAttempts
from hub.facts import ENTERPRISE_VERIFICATION, fact_report
from hub.messages import stored_message
from hub.models import Notification, Organization, Signer, User, Verification, VerificationAttempt
from hub.selectors.verification import current_signer
from hub.services.notifications import notification_send
from hub.verification import audit, registry

ATTEMPT_WINDOW = timedelta(hours=24)
AGENT_MAX_VALIDITY = timedelta(days=366)


class Messages:
    USCC_HELD = _("This unified social credit code is already held by a verified enterprise.")
    CLOSED = _(
        "This registration was closed: another registration of the same unified social credit code was verified first."
    )
    CLOSED_NOTICE_TITLE = _("Your registration was closed")
    ALREADY_VERIFIED = _("The enterprise is already verified.")
    TOO_MANY_ATTEMPTS = _("Too many verification attempts for this enterprise in 24 hours; try again later.")
    OPERATOR_ONLY = _("Only the hub operator can suspend or reinstate an enterprise.")
    REASON_REQUIRED = _("Give a reason.")
    NOT_VERIFIED = _("Only a verified enterprise can be suspended.")
    NOT_SUSPENDED = _("The enterprise is not suspended.")
    LEGAL_REPRESENTATIVE_ONLY = _("Only the enterprise's legal representative can do this.")
    SIGNERS_VALUE = _("Use 1 or 2 signers for %(category)s.")
    CATEGORY_UNKNOWN = _("Unknown credit category: %(category)s.")
    UNKNOWN_MEMBER = _("No person of this enterprise has this username.")
    AGENT_SELF = _("The legal representative signs already; appoint someone else.")
    AGENT_EXPIRY = _("An agent's appointment ends in the future, at most one year ahead.")
    AGENT_ACTIVE = _("This person already signs for the enterprise.")
    SCOPES_EMPTY = _("Name at least one credit category.")
    VERIFIED_NOTICE_TITLE = _("Your enterprise is verified")
    SUSPENDED_NOTICE_TITLE = _("Your enterprise was suspended")


def person_pseudonym(kind: str, value: str) -> str:
    """A stable pseudonym of a human being (``kind`` says what identifies them: an ID
    number, an identity provider's subject, a hub user), carried by receipts instead of
    personal data. Keyed, so nobody without the hub's key can test a guess against it."""
    return blind_index(f"{kind}:{value}", purpose="signer.person")


def verification_of(enterprise: Organization, *, lock: bool = False) -> Verification:
    queryset = Verification.objects.select_for_update() if lock else Verification.objects
    verification = queryset.filter(enterprise=enterprise).first()
    if verification is None:
        # Every registration gets its row when it is made; this covers one made by hand.
        Verification.objects.get_or_create(enterprise=enterprise, defaults={"uscc": enterprise.code})
        verification = queryset.get(enterprise=enterprise)
    return verification


def usccs_holder_exists(uscc: str, *, excluding_enterprise_id: int | None = None) -> bool:
    holders = Verification.objects.filter(uscc=uscc, status__in=Verification.HOLDING)
    if excluding_enterprise_id is not None:
        holders = holders.exclude(enterprise_id=excluding_enterprise_id)
    return holders.exists()


@transaction.atomic
def enterprise_verify(
    *,
    enterprise: Organization,
    method: str,
    level: str,
    signer_user: User,
    signer_role: str,
    person: str,
    decided_by: User | None = None,
    agent_scopes: list[str] | None = None,
    agent_expires_at: datetime | None = None,
) -> Verification:
    """The end of every verification method: the registration becomes its USCC's holder
    (once), ``signer_user`` signs for it in ``signer_role``, and every other unverified
    registration of the code is closed with a notice saying why.

    A registration already verified stays so; the call then only gives the person their
    role (a second legal representative check, say, replaces the legal representative).

    Raises Conflict (another registration holds the code, or this one was closed).
    """
    verification = verification_of(enterprise, lock=True)
    if verification.closed:
        raise Conflict(Messages.CLOSED, code="registration_closed")
    if usccs_holder_exists(verification.uscc, excluding_enterprise_id=enterprise.pk):
        raise Conflict(Messages.USCC_HELD, fields={"uscc": [Messages.USCC_HELD]}, code="uscc_held")
    newly_verified = verification.status != Verification.Status.VERIFIED
    if verification.status != Verification.Status.SUSPENDED:
        verification.status = Verification.Status.VERIFIED
    verification.method, verification.level = method, level
    verification.verified_at, verification.decided_by, verification.reason = timezone.now(), decided_by, ""
    try:
        with transaction.atomic():
            verification.save()
    except IntegrityError:
        # A concurrent verification of another registration of the code won the race.
        raise Conflict(Messages.USCC_HELD, fields={"uscc": [Messages.USCC_HELD]}, code="uscc_held") from None
    audit.enterprise_verified(verification=verification, actor=decided_by or signer_user)
    signer_install(
        enterprise=enterprise,
        user=signer_user,
        role=signer_role,
        person=person,
        source=method,
        scopes=agent_scopes,
        expires_at=agent_expires_at,
        actor=decided_by,
    )
    if newly_verified:
        fact_report(ENTERPRISE_VERIFICATION, verification)
        notification_send(
            organization_id=enterprise.pk,
            kind=Notification.Kind.VERIFICATION,
            title=Messages.VERIFIED_NOTICE_TITLE,
            body=stored_message(
                _("Verified by %(method)s; your legal representative and agents can now grant authorizations."),
                method=registry.get(method).label,
            ),
            data={"method": method, "level": level},
        )
        _close_competing_registrations(verification)
    return verification


def _close_competing_registrations(holder: Verification) -> None:
    competing = list(
        Verification.objects.select_for_update()
        .filter(
            uscc=holder.uscc, status__in=[Verification.Status.UNVERIFIED, Verification.Status.REJECTED], closed=False
        )
        .exclude(enterprise_id=holder.enterprise_id)
    )
    for verification in competing:
        verification.status, verification.closed, verification.reason = (
            Verification.Status.REJECTED,
            True,
            str(Messages.CLOSED),
        )
        verification.save(update_fields=["status", "closed", "reason", "updated_at"])
        audit.registration_closed(verification=verification, holder_id=holder.enterprise_id)
        fact_report(ENTERPRISE_VERIFICATION, verification)
        notification_send(
            organization_id=verification.enterprise_id,
            kind=Notification.Kind.VERIFICATION,
            title=Messages.CLOSED_NOTICE_TITLE,
            body=Messages.CLOSED,
            data={"uscc": verification.uscc},
        )


def signer_install(
    *,
    enterprise: Organization,
    user: User,
    role: str,
    person: str,
    source: str,
    actor: User | None,
    scopes: list[str] | None = None,
    expires_at: datetime | None = None,
) -> Signer:
    """Give ``user`` a signing role, ending the role they held before, and — for a legal
    representative — the previous legal representative's."""
    now = timezone.now()
    replaced = Q(user=user)
    if role == Signer.Role.LEGAL_REPRESENTATIVE:
        replaced |= Q(role=Signer.Role.LEGAL_REPRESENTATIVE)
    for previous in Signer.objects.select_for_update().filter(replaced, enterprise=enterprise, ended_at__isnull=True):
        previous.ended_at = now
        previous.save(update_fields=["ended_at"])
        audit.signer_ended(signer=previous, actor=actor)
    signer = Signer.objects.create(
        enterprise=enterprise,
        user=user,
        role=role,
        scopes=[] if role == Signer.Role.LEGAL_REPRESENTATIVE else _ordered(scopes or ALL_CATEGORIES),
        expires_at=None if role == Signer.Role.LEGAL_REPRESENTATIVE else expires_at,
        person=person,
        source=source,
        appointed_by=actor,
        created_at=now,
    )
    audit.signer_appointed(signer=signer, actor=actor)
    return signer


def _ordered(categories) -> list[str]:
    return sorted(set(categories), key=ALL_CATEGORIES.index)


# --- the attempt limit ----------------------------------------------------------------------------


def verification_attempt_reserve(*, enterprise: Organization, user: User, method: str) -> VerificationAttempt:
    """Count a question about the enterprise's USCC before it is asked (committed at once,
    outside any request transaction), so concurrent attempts cannot slip past the limit:
    of the attempts in the window, the first ``HUB_VERIFICATION_ATTEMPTS_PER_DAY`` by id go.

    Raises TooManyAttempts (429) past the limit; nothing is then counted.
    """
    now = timezone.now()
    with transaction.atomic():
        attempt = VerificationAttempt.objects.create(
            uscc=enterprise.code, enterprise=enterprise, user=user, method=method, at=now
        )
    earlier = VerificationAttempt.objects.filter(uscc=enterprise.code, at__gt=now - ATTEMPT_WINDOW, pk__lte=attempt.pk)
    if earlier.count() > settings.HUB_VERIFICATION_ATTEMPTS_PER_DAY:
        attempt.delete()
        raise TooManyAttempts(Messages.TOO_MANY_ATTEMPTS)
    return attempt


def verification_attempt_release(*, attempt: VerificationAttempt) -> None:
    """The question reached no one (every platform down): it does not count."""
    VerificationAttempt.objects.filter(pk=attempt.pk).delete()


def verification_attempt_record(*, attempt: VerificationAttempt, result: str) -> None:
    """The answer, with its audit event. Call inside the transaction that acts on it."""
    attempt.result = result
    attempt.save(update_fields=["result"])
    audit.verification_attempted(attempt=attempt)


# --- the operator -----------------------------------------------------------------------------------


@transaction.atomic
def verification_suspend(*, actor: User, enterprise: Organization, reason: str) -> Verification:
    """The operator suspends a verified enterprise: every read of its credit data, every
    consent and application stops at once. Raises Forbidden, InvalidInput, Conflict."""
    if not actor.is_operator:
        raise Forbidden(Messages.OPERATOR_ONLY)
    if not reason.strip():
        raise InvalidInput(Messages.REASON_REQUIRED, fields={"reason": [Messages.REASON_REQUIRED]})
    verification = verification_of(enterprise, lock=True)
    if verification.status != Verification.Status.VERIFIED:
        raise Conflict(Messages.NOT_VERIFIED)
    verification.status, verification.reason = Verification.Status.SUSPENDED, reason.strip()[:500]
    verification.save(update_fields=["status", "reason", "updated_at"])
    audit.verification_status_changed(verification=verification, actor=actor, reason=verification.reason)
    fact_report(ENTERPRISE_VERIFICATION, verification)
    notification_send(
        organization_id=enterprise.pk,
        kind=Notification.Kind.VERIFICATION,
        title=Messages.SUSPENDED_NOTICE_TITLE,
        body=verification.reason,
    )
    return verification


@transaction.atomic
def verification_reinstate(*, actor: User, enterprise: Organization) -> Verification:
    """The operator lifts a suspension. Raises Forbidden or Conflict (not suspended)."""
    if not actor.is_operator:
        raise Forbidden(Messages.OPERATOR_ONLY)
    verification = verification_of(enterprise, lock=True)
    if verification.status != Verification.Status.SUSPENDED:
        raise Conflict(Messages.NOT_SUSPENDED)
    verification.status, verification.reason = Verification.Status.VERIFIED, ""
    verification.save(update_fields=["status", "reason", "updated_at"])
    audit.verification_status_changed(verification=verification, actor=actor)
    fact_report(ENTERPRISE_VERIFICATION, verification)
    return verification


# --- the legal representative's settings and appointments ----------------------------------------


def _require_legal_representative(actor: User, enterprise: Organization) -> None:
    signer = current_signer(user=actor, enterprise=enterprise)
    if signer is None or signer.role != Signer.Role.LEGAL_REPRESENTATIVE:
        raise Forbidden(Messages.LEGAL_REPRESENTATIVE_ONLY, code="not_legal_representative")


@transaction.atomic
def signers_required_update(*, actor: User, enterprise: Organization, signers_required: dict) -> Verification:
    """The legal representative chooses categories whose authorizations need two signers;
    merged into the current settings. Raises Forbidden or InvalidInput naming the field."""
    _require_legal_representative(actor, enterprise)
    for category, count in signers_required.items():
        if category not in ALL_CATEGORIES:
            message = Messages.CATEGORY_UNKNOWN % {"category": category}
            raise InvalidInput(message, fields={"signers_required": [message]})
        if count not in (1, 2) or isinstance(count, bool):
            message = Messages.SIGNERS_VALUE % {"category": category}
            raise InvalidInput(message, fields={"signers_required": [message]})
    verification = verification_of(enterprise, lock=True)
    merged = {**verification.signers_required, **signers_required}
    wanted = {category: count for category, count in merged.items() if count == 2}
    if wanted == verification.signers_required:
        return verification  # nothing changes, so nothing to record
    verification.signers_required = wanted
    verification.save(update_fields=["signers_required", "updated_at"])
    audit.signers_required_changed(verification=verification, actor=actor)
    return verification


@transaction.atomic
def agent_appoint(
    *, actor: User, enterprise: Organization, username: str, scopes: list[str], expires_at: datetime
) -> Signer:
    """The legal representative appoints a person of the enterprise as agent (经办人) for
    some categories until a time. Raises Forbidden, InvalidInput naming the field, Conflict."""
    _require_legal_representative(actor, enterprise)
    member = User.objects.filter(organization=enterprise, username=username, is_active=True).first()
    if member is None:
        raise InvalidInput(Messages.UNKNOWN_MEMBER, fields={"username": [Messages.UNKNOWN_MEMBER]})
    if member.pk == actor.pk:
        raise InvalidInput(Messages.AGENT_SELF, fields={"username": [Messages.AGENT_SELF]})
    if not scopes:
        raise InvalidInput(Messages.SCOPES_EMPTY, fields={"scopes": [Messages.SCOPES_EMPTY]})
    for category in scopes:
        if category not in ALL_CATEGORIES:
            message = Messages.CATEGORY_UNKNOWN % {"category": category}
            raise InvalidInput(message, fields={"scopes": [message]})
    now = timezone.now()
    if not now < expires_at <= now + AGENT_MAX_VALIDITY:
        raise InvalidInput(Messages.AGENT_EXPIRY, fields={"expires_at": [Messages.AGENT_EXPIRY]})
    if Signer.objects.filter(enterprise=enterprise, user=member, ended_at__isnull=True).exists():
        raise Conflict(Messages.AGENT_ACTIVE, fields={"username": [Messages.AGENT_ACTIVE]})
    return signer_install(
        enterprise=enterprise,
        user=member,
        role=Signer.Role.AGENT,
        person=person_pseudonym("user", str(member.pk)),
        source="appointment",
        actor=actor,
        scopes=scopes,
        expires_at=expires_at,
    )


@transaction.atomic
def agent_end(*, actor: User, enterprise: Organization, signer_id: int) -> Signer:
    """The legal representative ends an agent's appointment. Raises Forbidden or NotFound."""
    _require_legal_representative(actor, enterprise)
    signer = (
        Signer.objects.select_for_update()
        .filter(pk=signer_id, enterprise=enterprise, role=Signer.Role.AGENT, ended_at__isnull=True)
        .first()
    )
    if signer is None:
        raise NotFound(_("Agent not found."))
    signer.ended_at = timezone.now()
    signer.save(update_fields=["ended_at"])
    audit.signer_ended(signer=signer, actor=actor)
    return signer
