"""Reading a credit profile is a use of consent, so it is a service: it checks, reads and
records the read in the enterprise's audit chain in one transaction."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from connectors import audit
from connectors.selectors.profiles import build_profile
from hub.categories import ALL_CATEGORIES
from hub.errors import Forbidden
from hub.models import AuthorizationSignature, Organization, User, Verification
from hub.selectors.consent import authorizations_in_force
from hub.selectors.verification import refuse_credit_read


class Messages:
    NOT_AUTHORIZED = _("No authorization in force from this enterprise lets you read its credit data.")


@transaction.atomic
def credit_profile_read(*, actor: User, uscc: str) -> dict:
    """The enterprise itself reads every category; a bank reads the union of the scopes of
    its authorizations in force; anyone else — regulators, platforms, other enterprises,
    the operator — is refused (403), as is a bank without an authorization in force."""
    organization = actor.organization
    if organization is not None and organization.is_enterprise and organization.code == uscc:
        enterprise_id, enterprise_name = organization.pk, organization.name
        in_force, categories = [], list(ALL_CATEGORIES)
        verification = Verification.objects.filter(enterprise_id=enterprise_id).values_list(
            "status", "method", "level", "verified_at"
        ).first() or (Verification.Status.UNVERIFIED, "", "", None)
    elif organization is not None and organization.is_bank:
        # One query answers both "which enterprise" and "which consents are in force", as
        # plain values: this is the hub's busiest read.
        in_force = list(
            authorizations_in_force(bank_id=organization.pk)
            .filter(enterprise__kind=Organization.Kind.ENTERPRISE, enterprise__code=uscc)
            .values_list(
                "pk",
                "scopes",
                "purpose",
                "enterprise_id",
                "enterprise__name",
                "enterprise__verification__status",
                "enterprise__verification__method",
                "enterprise__verification__level",
                "enterprise__verification__verified_at",
            )
        )
        # A suspended enterprise's consents stay on record but read nothing, from this request on.
        if not in_force or in_force[0][5] != Verification.Status.VERIFIED:
            refuse_credit_read(uscc, Forbidden(Messages.NOT_AUTHORIZED, code="not_authorized"))
        enterprise_id, enterprise_name = in_force[0][3:5]
        verification = in_force[0][5:9]
        scopes = {scope for _pk, authorization_scopes, *_rest in in_force for scope in authorization_scopes}
        categories = [category for category in ALL_CATEGORIES if category in scopes]
    else:
        raise Forbidden(Messages.NOT_AUTHORIZED, code="not_authorized")
    profile = build_profile(enterprise_id=enterprise_id, uscc=uscc, categories=categories)
    # Who consented, and how sure the hub is of who they are: what the bank relies on.
    signers = (
        AuthorizationSignature.objects.filter(authorization_id__in=[pk for pk, *_rest in in_force]).values(
            "authorization_id", "role", "person", "signed_at"
        )
        if in_force
        else []
    )
    audit.credit_profile_read(
        enterprise_id=enterprise_id,
        actor=actor,
        categories=categories,
        authorization_ids=[pk for pk, *_rest in in_force],
        purposes=sorted({purpose for _pk, _scopes, purpose, *_rest in in_force}),
    )
    return {
        **profile,
        "enterprise_name": enterprise_name,
        "subject_verification": dict(zip(("status", "method", "level", "verified_at"), verification, strict=True)),
        "signers": [
            {
                "authorization": signer["authorization_id"],
                "role": signer["role"],
                "person": signer["person"],
                "signed_at": signer["signed_at"],
            }
            for signer in signers
        ],
    }
