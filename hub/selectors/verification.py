"""Reads of verification: which registration a USCC means to the caller, whether it is
verified, and who signs for it."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.errors import Forbidden, NotFound
from hub.identifiers import region_ancestors, region_prefix
from hub.models import DocumentReview, Organization, Signer, User, Verification


class Messages:
    UNVERIFIED = _("The enterprise is not verified; its credit data cannot be shared until it is.")
    SEVERAL = _("Several unverified registrations hold this code; name one with ?registration=<organization id>.")
    NOT_FOUND = _("Enterprise not found.")


def enterprise_holder(uscc: str) -> Organization | None:
    """What a USCC means to everyone but the enterprise's own people: the registration that
    holds it (verified or suspended), or, while none does, the only registration; None when
    there is none or several unverified ones."""
    candidates = list(
        Organization.objects.filter(kind=Organization.Kind.ENTERPRISE, code=uscc)
        .select_related("verification")
        .order_by("pk")[:50]
    )
    for organization in candidates:
        if organization.verification.status in Verification.HOLDING:
            return organization
    return candidates[0] if len(candidates) == 1 else None


def enterprise_registration(*, user: User, uscc: str, registration_id: int | None = None) -> Organization | None:
    """The registration ``{uscc}`` names in a path (API.md): the caller's own for the
    enterprise's people; for the operator and reviewers ``registration_id`` when given,
    else the holder. None when there is no such registration."""
    organization = user.organization if user.is_authenticated else None
    if organization is not None and organization.is_enterprise:
        return organization if organization.code == uscc else None
    if registration_id is not None:
        return (
            Organization.objects.filter(kind=Organization.Kind.ENTERPRISE, code=uscc, pk=registration_id)
            .select_related("verification")
            .first()
        )
    return enterprise_holder(uscc)


def require_verified(enterprise: Organization) -> None:
    """Raise Forbidden ``enterprise_unverified`` unless the registration is verified now."""
    if not is_verified(enterprise.pk):
        raise Forbidden(Messages.UNVERIFIED, code="enterprise_unverified")


def refuse_credit_read(uscc: str, not_authorized: Forbidden) -> None:
    """Why a bank may not pull or read an enterprise's data, as the error to raise: a
    registered enterprise none of whose registrations is verified now is
    ``enterprise_unverified`` (this wins over a missing authorization, API.md); anything
    else is ``not_authorized``, so an unknown USCC looks like any refused one."""
    registered = Organization.objects.filter(kind=Organization.Kind.ENTERPRISE, code=uscc).exists()
    if registered and not Verification.objects.filter(uscc=uscc, status=Verification.Status.VERIFIED).exists():
        raise Forbidden(Messages.UNVERIFIED, code="enterprise_unverified")
    raise not_authorized


def is_verified(enterprise_id: int) -> bool:
    return Verification.objects.filter(enterprise_id=enterprise_id, status=Verification.Status.VERIFIED).exists()


def current_signers(enterprise: Organization) -> QuerySet[Signer]:
    return (
        Signer.objects.filter(enterprise=enterprise, ended_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        .select_related("user")
        .order_by("role", "pk")
    )


def current_signer(*, user: User, enterprise: Organization) -> Signer | None:
    """The role ``user`` signs in for ``enterprise`` right now, or None (staff)."""
    if user.organization_id != enterprise.pk:
        return None
    return current_signers(enterprise).filter(user=user).first()


def verification_visible(*, user: User, uscc: str, registration_id: int | None = None) -> Verification:
    """The verification of a registration, for its own people, the operator, and the
    platforms whose region covers it (they review documents). 404 for anyone else."""
    enterprise = enterprise_registration(user=user, uscc=uscc, registration_id=registration_id)
    if enterprise is None or not _may_see_verification(user, enterprise):
        raise NotFound(Messages.NOT_FOUND)
    return Verification.objects.select_related("enterprise").get(enterprise=enterprise)


def _may_see_verification(user: User, enterprise: Organization) -> bool:
    if user.is_operator or user.organization_id == enterprise.pk:
        return True
    organization = user.organization
    return organization is not None and platform_reviews(organization, enterprise)


def platform_reviews(organization: Organization, enterprise: Organization) -> bool:
    """A city platform reviews the documents of enterprises in its region."""
    return organization.is_platform and organization.region_code in region_ancestors(enterprise.region_code)


def document_reviews_pending_for(user: User) -> QuerySet[DocumentReview]:
    """The review queue: everything pending for the operator; a platform's region for its people."""
    # A closed registration's documents are moot: another registration holds the code.
    queryset = (
        DocumentReview.objects.filter(status=DocumentReview.Status.PENDING)
        .exclude(enterprise__verification__closed=True)
        .select_related("enterprise", "uploaded_by")
    )
    if user.is_operator:
        return queryset.order_by("uploaded_at")
    organization = user.organization
    if organization is None or not organization.is_platform:
        return queryset.none()
    return queryset.filter(enterprise__region_code__startswith=region_prefix(organization.region_code)).order_by(
        "uploaded_at"
    )
