"""Helpers the document_review tests share."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hub.models import DocumentReview
from hub.services.document_review import documents_submit

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"png-body" * 20


PDF = b"%PDF-1.7\n" + b"pdf-body " * 20


JPEG = b"\xff\xd8\xff\xe0" + b"jpeg-body" * 20


def upload(content: bytes = PNG, name: str = "licence.png", content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def documents_url(enterprise) -> str:
    return reverse("api-verification-documents", args=[enterprise.code])


def decision_url(enterprise, registration: int | None = None) -> str:
    url = reverse("api-verification-decision", args=[enterprise.code])
    return f"{url}?registration={registration}" if registration else url


def submit(user, enterprise=None, **files) -> DocumentReview:
    files.setdefault("licence", upload())
    return documents_submit(actor=user, enterprise=enterprise or user.organization, **files)
