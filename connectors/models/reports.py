from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from hub.fields import EncryptedTextField


class CreditReport(models.Model):
    """The enterprise's own credit report (信用报告): a PDF of its profile after a pull of its
    own records (purpose ``self``), signed by the hub, that it hands to a buyer or a bank.

    ``public_id`` is a random UUID, the report's id everywhere outside the database: it is
    printed on the report and is all the public verification page takes, so it must not be
    guessable (the integer key orders lists and their cursors). The row keeps what verification needs — the
    hashes, the signature, when it was issued or withdrawn — and the PDF itself only
    encrypted, for the enterprise's own downloads; no credit data in clear.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        ISSUED = "issued", _("Issued")
        FAILED = "failed", _("Failed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    #: Allowed transitions (STYLE.md rule 3): issuance ends a pending report either way;
    #: only an issued report is withdrawn, once.
    TRANSITIONS = {
        Status.PENDING: (Status.ISSUED, Status.FAILED),
        Status.ISSUED: (Status.WITHDRAWN,),
        Status.FAILED: (),
        Status.WITHDRAWN: (),
    }

    public_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    enterprise = models.ForeignKey("hub.Organization", on_delete=models.PROTECT, related_name="credit_reports")
    pull = models.OneToOneField("connectors.CreditPull", on_delete=models.PROTECT, related_name="report")
    requested_by = models.ForeignKey("hub.User", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey("hub.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    error = models.CharField(max_length=300, blank=True)
    # SHA-256 (hex) of the canonical JSON of the report's content (signed) and of the PDF's bytes.
    content_sha256 = models.CharField(max_length=64, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    signature = models.TextField(blank=True)  # the compact JWS, also attached to the PDF
    pdf = EncryptedTextField(blank=True)  # base64 of the PDF bytes

    class Meta:
        indexes = [models.Index(fields=["enterprise", "-id"], name="credit_report_recent")]

    def __str__(self) -> str:
        return f"report {self.public_id} {self.status}"
