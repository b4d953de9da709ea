"""The ``e_license`` verification method: sign in with the electronic business licence
(电子营业执照) through its OpenID Connect identity provider."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from hub.models import Verification
from hub.verification.base import VerificationMethod


class ELicenseMethod(VerificationMethod):
    key = "e_license"
    label = _("Electronic business licence")
    description = _(
        "Sign in with the enterprise's electronic business licence. The legal representative is verified at once; "
        "an agent (经办人) named by the licence becomes an agent of the enterprise."
    )
    level = Verification.Level.HIGH
    start_url_name = "verification-e-license"

    @classmethod
    def is_available(cls) -> bool:
        return bool(settings.HUB_E_LICENSE_ISSUER)
