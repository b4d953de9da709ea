"""Reading a credit profile is a use of consent, so it is a service: it checks, reads and
records the read in the enterprise's audit chain in one transaction."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from connectors.selectors.profiles import build_profile
from hub import audit
from hub.categories import ALL_CATEGORIES
from hub.errors import Forbidden
from hub.models import Organization, User
from hub.selectors.consent import authorizations_in_force


class Messages:
    NOT_AUTHORIZED = _("No authorization in force from this enterprise lets you read its credit data.")


@transaction.atomic
def credit_profile_read(*, actor: User, uscc: str) -> dict:
    """The enterprise itself reads every category; a bank reads the union of the scopes of
    its authorizations in force; anyone else — regulators, platforms, other enterprises,
    the operator — is refused (403), as is a bank without an authorization in force."""
    organization = actor.organization
    if organization is not None and organization.is_enterprise and organization.code == uscc:
        enterprise, authorizations, categories = organization, [], list(ALL_CATEGORIES)
    elif organization is not None and organization.is_bank:
        # One query answers both "which enterprise" and "which consents are in force".
        authorizations = list(
            authorizations_in_force(bank_id=organization.pk)
            .filter(enterprise__kind=Organization.Kind.ENTERPRISE, enterprise__code=uscc)
            .select_related("enterprise")
            # Only what a read needs: not the receipt, nor the enterprise's encrypted fields.
            .only("id", "scopes", "purpose", "expires_at", "enterprise__id", "enterprise__code", "enterprise__kind")
        )
        if not authorizations:
            raise Forbidden(Messages.NOT_AUTHORIZED, code="not_authorized")
        enterprise = authorizations[0].enterprise
        scopes = {scope for authorization in authorizations for scope in authorization.scopes}
        categories = [category for category in ALL_CATEGORIES if category in scopes]
    else:
        raise Forbidden(Messages.NOT_AUTHORIZED, code="not_authorized")
    profile = build_profile(enterprise=enterprise, categories=categories)
    audit.credit_profile_read(
        enterprise_id=enterprise.pk, actor=actor, categories=categories, authorizations=authorizations
    )
    return profile
