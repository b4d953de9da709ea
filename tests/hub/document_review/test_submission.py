"""Document review: what an enterprise submits, and its pages."""

from __future__ import annotations

import base64
import tracemalloc

import pytest
from django.db import connection
from django.urls import reverse

from hub.models import AuditEvent, DocumentReview, Verification
from hub.services.document_review import Messages, documents_decide
from tests.hub.document_review.helpers import JPEG, PDF, PNG, documents_url, submit, upload

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("content", "name", "media_type"),
    [(PNG, "licence.png", "image/png"), (PDF, "licence.pdf", "application/pdf"), (JPEG, "licence.jpg", "image/jpeg")],
)
def test_a_png_pdf_or_jpeg_licence_is_accepted_for_review(api_client_for, uploader, content, name, media_type):
    response = api_client_for(uploader).post(
        documents_url(uploader.organization), {"licence": upload(content, name, "application/octet-stream")}
    )

    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["status"] == "pending" and body["id"] and body["uploaded_at"]
    review = DocumentReview.objects.get(pk=body["id"])
    assert (review.licence_type, review.letter_type, review.uploaded_by) == (media_type, "", uploader)
    assert base64.b64decode(review.licence) == content
    assert AuditEvent.objects.filter(
        action="verification.documents_submitted", object_id=uploader.organization_id
    ).exists()


def test_a_text_file_renamed_pdf_is_refused_as_an_unsupported_type(api_client_for, uploader):
    response = api_client_for(uploader).post(
        documents_url(uploader.organization), {"licence": upload(b"just some text", "licence.pdf", "application/pdf")}
    )

    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_file_type"
    assert response.json()["error"]["fields"] == {"licence": [str(Messages.UNSUPPORTED)]}
    assert not DocumentReview.objects.exists()


def test_an_unsupported_letter_is_named_as_the_letter(api_client_for, uploader):
    response = api_client_for(uploader).post(
        documents_url(uploader.organization),
        {"licence": upload(), "letter": upload(b"GIF89a....", "letter.png", "image/png")},
    )

    assert response.status_code == 415
    assert list(response.json()["error"]["fields"]) == ["letter"]


def test_a_file_above_the_limit_is_refused_as_too_large(api_client_for, uploader, settings):
    settings.HUB_VERIFICATION_MAX_UPLOAD_BYTES = 1024
    response = api_client_for(uploader).post(
        documents_url(uploader.organization), {"licence": upload(PNG + b"\x00" * 1024)}
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "upload_too_large"
    assert list(response.json()["error"]["fields"]) == ["licence"]
    assert not DocumentReview.objects.exists()


def test_a_second_submission_while_one_is_pending_is_a_conflict(api_client_for, uploader):
    submit(uploader)

    response = api_client_for(uploader).post(documents_url(uploader.organization), {"licence": upload()})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "review_pending"


def test_a_closed_registration_cannot_submit(api_client_for, uploader):
    Verification.objects.filter(enterprise=uploader.organization).update(status="rejected", closed=True)

    response = api_client_for(uploader).post(documents_url(uploader.organization), {"licence": upload()})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "registration_closed"


def test_only_the_enterprises_own_people_submit_its_documents(
    api_client_for, uploader, outsider, operator, bank_officer
):
    url = documents_url(uploader.organization)

    assert api_client_for(outsider).post(url, {"licence": upload()}).status_code == 404
    assert api_client_for(bank_officer).post(url, {"licence": upload()}).status_code == 404
    assert api_client_for(operator).post(url, {"licence": upload()}).status_code == 403
    assert not DocumentReview.objects.exists()


def test_the_stored_files_are_not_in_the_database_in_clear(uploader):
    review = submit(uploader, letter=upload(PDF, "letter.pdf"))

    with connection.cursor() as cursor:
        cursor.execute("SELECT licence, letter FROM hub_documentreview WHERE id = %s", [review.pk])
        raw_licence, raw_letter = cursor.fetchone()
    for raw, content in ((raw_licence, PNG), (raw_letter, PDF)):
        assert raw and base64.b64encode(content).decode() not in raw
        assert b"png-body" not in raw.encode() and b"pdf-body" not in raw.encode()
    review.refresh_from_db()
    assert base64.b64decode(review.letter) == PDF


def test_the_enterprise_uploads_through_its_page_and_sees_the_pending_review(client, uploader):
    client.force_login(uploader)

    response = client.post(reverse("verification-documents"), {"licence": upload()})

    assert response.status_code == 302
    page = client.get(reverse("verification-documents"))
    assert b'data-testid="review-status" data-status="pending"' in page.content
    assert b'data-testid="documents-form"' not in page.content


def test_the_upload_page_names_the_refused_file(client, uploader):
    client.force_login(uploader)

    response = client.post(reverse("verification-documents"), {"licence": upload(b"plain text", "licence.pdf")})

    assert response.status_code == 415
    assert b'data-field="licence"' in response.content


def test_the_upload_page_shows_the_reason_of_a_rejection(client, uploader, operator):
    documents_decide(actor=operator, review_id=submit(uploader).pk, decision="reject", reason="执照已过期")
    client.force_login(uploader)

    page = client.get(reverse("verification-documents"))

    assert "执照已过期" in page.content.decode()
    assert b'data-testid="documents-form"' in page.content


def test_a_zip_bomb_as_a_document_costs_no_memory(api_client_for, uploader, tmp_path):
    """Documents are typed by their first bytes and kept as sent: the hub never expands one.
    A bomb renamed .pdf is refused; one behind a PDF's magic number is stored at its own
    size, and reading it costs a few times that, not the gigabyte it expands to."""
    from tests.whitelist.imports import bombs

    bomb = bombs.workbook(tmp_path / "bomb.zip", bombs.huge_cell_sheet(1024)).read_bytes()
    client = api_client_for(uploader)
    renamed = client.post(
        documents_url(uploader.organization), {"licence": upload(bomb, "licence.pdf", "application/pdf")}
    )

    tracemalloc.start()
    disguised = client.post(
        documents_url(uploader.organization), {"licence": upload(b"%PDF-1.7\n" + bomb, "licence.pdf")}
    )
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert renamed.status_code == 415
    assert disguised.status_code == 202
    assert base64.b64decode(DocumentReview.objects.get().licence) == b"%PDF-1.7\n" + bomb
    assert peak < 20 * len(bomb) < 30 * 2**20
