"""The ``legal_representative`` verification method (法定代表人二要素核验): a person enters the
legal representative's name and resident ID number, and the city platform serving the
enterprise's region checks them against the registration authority's record over CDP/1
(``POST /v1/identity/verify``). It lives here because only connectors talk to platforms;
the hub finds it through ``settings.HUB_VERIFICATION_METHODS``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from hub.models import Verification
from hub.verification.base import VerificationMethod


class LegalRepresentativeMethod(VerificationMethod):
    key = "legal_representative"
    label = _("Legal representative's identity")
    description = _(
        "Enter the legal representative's name and resident ID number; the city platform checks them against "
        "the business registration. Whoever passes becomes the enterprise's legal representative in the hub."
    )
    level = Verification.Level.SUBSTANTIAL
    start_url_name = "verification-legal-representative"
