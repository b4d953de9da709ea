"""The ``document_review`` verification method: the business licence (营业执照) and, for an
agent, the letter of authorization (授权委托书) signed by the legal representative, reviewed
by the hub operator or by the city platform of the enterprise's region."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from hub.models import Verification
from hub.verification.base import VerificationMethod


class DocumentReviewMethod(VerificationMethod):
    key = "document_review"
    label = _("Documents reviewed by a person")
    description = _(
        "Upload the business licence (and, if you act as an agent, the letter of authorization signed by the "
        "legal representative). The hub operator or your city platform reviews them."
    )
    level = Verification.Level.SUBSTANTIAL
    start_url_name = "verification-documents"
