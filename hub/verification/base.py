"""What every verification method declares. A method is a plugin: one module, registered
by key in settings (``HUB_VERIFICATION_METHODS``), checked at start-up. Its flow is its own
(a question to a platform, a redirect to an identity provider, documents for a reviewer);
every flow ends in ``hub.services.verification.enterprise_verify``."""

from __future__ import annotations

from django.utils.functional import Promise


class VerificationMethod:
    #: The key stored on a verification and sent in receipts.
    key: str = ""
    #: Shown in the wizard (translated).
    label: str | Promise = ""
    description: str | Promise = ""
    #: The assurance a success gives (``Verification.Level``).
    level: str = ""
    #: The name of the page that starts this method in the wizard.
    start_url_name: str = ""

    @classmethod
    def is_available(cls) -> bool:
        """Whether the method is configured here (an identity provider, say)."""
        return True
