"""What the electronic business licence's claims mean for a registration: the licence names
the enterprise (``uscc``) and the signed-in person's role in it — 法定代表人 (legal
representative) or 经办人 (agent) — so a sign-in whose code is the registration's own is
a verification of it. The claims arrive already verified (``e_license_client``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.errors import InvalidInput
from hub.models import Organization, Signer, User, Verification
from hub.services.verification import enterprise_verify, person_pseudonym
from hub.verification.methods.e_license import ELicenseMethod

# The provider's words for the roles a licence can name.
CLAIM_ROLES = {"法定代表人": Signer.Role.LEGAL_REPRESENTATIVE, "经办人": Signer.Role.AGENT}
# An agent named by the licence signs for every category for a year, as an agent approved by
# document review does; the legal representative can end it or appoint narrower agents.
AGENT_VALIDITY = timedelta(days=365)


class Messages:
    USCC_MISMATCH = _(
        "You signed in with the electronic business licence of another enterprise (%(uscc)s); "
        "sign in with this enterprise's licence. Nothing was changed."
    )
    ROLE_UNKNOWN = _(
        "The electronic business licence names you neither as the legal representative nor as an agent; "
        "nothing was changed."
    )
    SUBJECT_MISSING = _("The electronic business licence service did not say who signed in; nothing was changed.")


def enterprise_verify_by_e_license(
    *, enterprise: Organization, user: User, claims: Mapping, issuer: str
) -> tuple[Verification, str]:
    """Verify ``enterprise`` from the verified ID token ``claims`` of ``user``'s sign-in: the
    legal representative becomes so, an agent becomes an agent for every category for one
    year. The person is kept only as a pseudonym of the provider's subject (``issuer|sub``).

    Returns the verification and the signer role given. Raises InvalidInput (the licence is
    another enterprise's, or names no known role or no subject) — nothing is stored then —
    and Conflict from ``enterprise_verify`` (the code is held elsewhere, the registration closed).
    """
    uscc = str(claims.get("uscc") or "").strip().upper()
    if uscc != enterprise.code:
        raise InvalidInput(Messages.USCC_MISMATCH % {"uscc": uscc or "-"}, code="verification_failed")
    role = CLAIM_ROLES.get(str(claims.get("role") or ""))
    if role is None:
        raise InvalidInput(Messages.ROLE_UNKNOWN, code="verification_failed")
    subject = str(claims.get("sub") or "")
    if not subject:
        raise InvalidInput(Messages.SUBJECT_MISSING, code="verification_failed")
    is_agent = role == Signer.Role.AGENT
    verification = enterprise_verify(
        enterprise=enterprise,
        method=ELicenseMethod.key,
        level=ELicenseMethod.level,
        signer_user=user,
        signer_role=role,
        person=person_pseudonym("e_license", f"{issuer}|{subject}"),
        agent_scopes=None,
        agent_expires_at=timezone.now() + AGENT_VALIDITY if is_agent else None,
    )
    return verification, role
