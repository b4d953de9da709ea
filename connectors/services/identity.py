"""The legal representative check against the city platforms (CDP/1 capability
``identity``). The question leaves the hub outside any transaction; the attempt is counted
before it leaves (``verification_attempt_reserve``) and uncounted when no platform answered."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from connectors.base import ConnectorError, IdentityResult
from connectors.models import Connector
from connectors.services.connectors import connector_client
from connectors.verification import LegalRepresentativeMethod
from hub.crypto import blind_index
from hub.errors import Conflict, InvalidInput, ServiceUnavailable
from hub.identifiers import region_ancestors, resident_id_error
from hub.models import Organization, Signer, User, Verification
from hub.services.organizations import ID_NUMBER_INDEX
from hub.services.verification import (
    enterprise_verify,
    person_pseudonym,
    verification_attempt_record,
    verification_attempt_release,
    verification_attempt_reserve,
    verification_of,
)

logger = logging.getLogger(__name__)


class Messages:
    NAME_REQUIRED = _("Enter the legal representative's name.")
    FAILED = _("The name and ID number do not match the business registration of this enterprise.")
    UNKNOWN_SUBJECT = _("The registration authority has no record of this enterprise.")
    NO_PLATFORM = _("No city platform that checks identities serves this enterprise's region; try another method.")
    UNAVAILABLE = _("The city platform did not answer; nothing was stored and no attempt was counted. Try again later.")
    CLOSED = _("This registration was closed; another registration of the code was verified.")
    SUSPENDED = _("The enterprise is suspended.")


def identity_connectors(region_code: str) -> list[Connector]:
    """Active connectors covering the region whose platforms check identities, the most
    specific region first (a district's platform before its city's, before the province's)."""
    ancestors = region_ancestors(region_code)
    covering = [
        connector
        for connector in Connector.objects.filter(status=Connector.Status.ACTIVE).order_by("pk")
        if "identity" in (connector.capabilities or []) and connector.covers_region(region_code)
    ]
    return sorted(covering, key=lambda c: min(ancestors.index(code) for code in c.region_codes if code in ancestors))


def legal_representative_verify(*, actor: User, enterprise: Organization, name: str, id_number: str) -> Verification:
    """Check the legal representative's name and ID number with the platforms; on a match
    the enterprise is verified and ``actor`` becomes its legal representative.

    Raises InvalidInput (bad ID number, not counted; or ``verification_failed`` on a
    mismatch or unknown subject, counted), TooManyAttempts (429), ServiceUnavailable
    (``platform_unavailable``: no platform answered; nothing stored, not counted), Conflict.
    """
    name = name.strip()
    if not name:
        raise InvalidInput(Messages.NAME_REQUIRED, fields={"name": [Messages.NAME_REQUIRED]})
    problem = resident_id_error(id_number)
    if problem:
        raise InvalidInput(problem, fields={"id_number": [problem]})
    verification = verification_of(enterprise)
    if verification.closed:
        raise Conflict(Messages.CLOSED, code="registration_closed")
    if verification.status == Verification.Status.SUSPENDED:
        raise Conflict(Messages.SUSPENDED)
    connectors = identity_connectors(enterprise.region_code)
    if not connectors:
        raise ServiceUnavailable(Messages.NO_PLATFORM, code="platform_unavailable")

    attempt = verification_attempt_reserve(enterprise=enterprise, user=actor, method=LegalRepresentativeMethod.key)
    result = _ask_platforms(connectors, uscc=enterprise.code, name=name, id_number=id_number)
    if result is None:
        verification_attempt_release(attempt=attempt)
        raise ServiceUnavailable(Messages.UNAVAILABLE, code="platform_unavailable")
    with transaction.atomic():
        verification_attempt_record(attempt=attempt, result=result)
        if result == IdentityResult.MATCH:
            # Encrypted as they are written (hub.fields); never logged, never returned.
            Organization.objects.filter(pk=enterprise.pk).update(
                legal_representative=name,
                legal_representative_id_number=id_number,
                legal_representative_id_index=blind_index(id_number, purpose=ID_NUMBER_INDEX),
            )
            return enterprise_verify(
                enterprise=enterprise,
                method=LegalRepresentativeMethod.key,
                level=LegalRepresentativeMethod.level,
                signer_user=actor,
                signer_role=Signer.Role.LEGAL_REPRESENTATIVE,
                person=person_pseudonym("resident_id", id_number),
            )
    message = Messages.FAILED if result == IdentityResult.MISMATCH else Messages.UNKNOWN_SUBJECT
    raise InvalidInput(message, code="verification_failed")


def _ask_platforms(connectors: list[Connector], *, uscc: str, name: str, id_number: str) -> str | None:
    """The first answer of the platforms, in order; None when none answered."""
    for connector in connectors:
        try:
            return connector_client(connector).verify_identity(uscc=uscc, name=name, id_number=id_number)
        except ConnectorError as error:
            # Never the ID number: only which platform failed and how.
            logger.warning("identity check at connector %s failed: %s", connector.pk, error.code)
    return None
