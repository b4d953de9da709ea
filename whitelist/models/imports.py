from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from hub.models.jobs import LeasedJob


class WhitelistImport(LeasedJob):
    """One upload of a whitelist file, processed in the background (a long job is a row
    with a status): progress is committed at least every 1,000 rows."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    whitelist = models.ForeignKey("whitelist.Whitelist", on_delete=models.CASCADE, related_name="imports")
    uploaded_by = models.ForeignKey("hub.User", on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to="whitelist-imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=4)  # csv or xlsx
    file_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(null=True, blank=True)
    processed_rows = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)


class ImportRowError(models.Model):
    """A bad row: reported and skipped, never stopping the import."""

    whitelist_import = models.ForeignKey(WhitelistImport, on_delete=models.CASCADE, related_name="errors")
    row = models.PositiveIntegerField()
    field = models.CharField(max_length=40)
    message = models.CharField(max_length=500)

    class Meta:
        indexes = [models.Index(fields=["whitelist_import", "row"], name="import_error_row")]
