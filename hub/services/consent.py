"""Writes for authorizations (the enterprise's consent): grant, revoke, record expiry."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub import audit
from hub.categories import ALL_CATEGORIES
from hub.errors import Conflict, Forbidden, InvalidInput, NotFound
from hub.models import Authorization, Organization, User
from hub.receipts import sign_receipt

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

    Raises Forbidden (not an enterprise user) or InvalidInput naming the field at fault.
    """
    enterprise = actor.organization
    if enterprise is None or enterprise.kind != Organization.Kind.ENTERPRISE:
        raise Forbidden(Messages.ENTERPRISE_ONLY)
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

    authorization = Authorization.objects.create(
        enterprise=enterprise,
        bank=bank,
        scopes=sorted(set(scopes), key=ALL_CATEGORIES.index),
        purpose=purpose,
        granted_at=now,
        expires_at=expires_at,
        application_id=application_id,
        granted_by=actor,
        receipt="",
    )
    authorization.receipt = sign_receipt(authorization)
    Authorization.objects.filter(pk=authorization.pk).update(receipt=authorization.receipt)
    audit.authorization_granted(authorization=authorization, actor=actor)
    return authorization


def _application_belongs_to(application_id: int, enterprise: Organization) -> bool:
    """Applications live in the lending app, which depends on hub, not the other way round:
    ask the registered lookup. Without the lending app installed, no application exists."""
    from django.apps import apps

    if not apps.is_installed("lending"):
        return False
    try:
        application_model = apps.get_model("lending", "Application")
    except LookupError:
        return False
    return application_model.objects.filter(pk=application_id, enterprise=enterprise).exists()


@transaction.atomic
def authorization_revoke(*, actor: User, authorization_id: int) -> Authorization:
    """The granting enterprise revokes an authorization; every later read is refused.

    Raises NotFound (not the granting enterprise's) or Conflict (already revoked or expired).
    """
    authorization = (
        Authorization.objects.select_for_update()
        .filter(pk=authorization_id, enterprise_id=actor.organization_id)
        .first()
    )
    if authorization is None:
        raise NotFound(_("Authorization not found."))
    if authorization.status != Authorization.Status.ACTIVE:
        raise Conflict(Messages.NOT_ACTIVE % {"status": authorization.get_status_display()})
    authorization.status = Authorization.Status.REVOKED
    authorization.revoked_at = timezone.now()
    authorization.save(update_fields=["status", "revoked_at"])
    audit.authorization_revoked(authorization=authorization, actor=actor)
    return authorization


def authorizations_record_expiry(*, batch_size: int = 500) -> int:
    """Mark active authorizations past their expiry as expired, each with its audit event,
    in small transactions. Reads already refuse them (``is_in_force``); this records it.
    Returns how many were marked."""
    marked = 0
    while True:
        with transaction.atomic():
            due = list(
                Authorization.objects.select_for_update(skip_locked=True)
                .filter(status=Authorization.Status.ACTIVE, expires_at__lte=timezone.now())
                .order_by("pk")[:batch_size]
            )
            if not due:
                return marked
            for authorization in due:
                authorization.status = Authorization.Status.EXPIRED
                authorization.save(update_fields=["status"])
                audit.authorization_expired(authorization=authorization)
            marked += len(due)
