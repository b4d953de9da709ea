"""The ``document_review`` verification method: an enterprise's person uploads the business
licence (and, to act as an agent, the letter of authorization), a reviewer who is not the
uploader — the hub operator or the city platform of the region — approves or rejects."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from hub.categories import ALL_CATEGORIES
from hub.errors import Forbidden
from hub.models import AuditEvent, DocumentReview, Notification, Signer, Verification
from hub.services.document_review import Messages, documents_decide, documents_submit
from tests.hub.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"png-body" * 20
PDF = b"%PDF-1.7\n" + b"pdf-body " * 20
JPEG = b"\xff\xd8\xff\xe0" + b"jpeg-body" * 20


def upload(content: bytes = PNG, name: str = "licence.png", content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def unverified():
    """An enterprise of 410105 that registered and is not verified yet."""
    return OrganizationFactory(
        kind="enterprise", name="郑州待核实科技有限公司", region_code="410105", verification="unverified"
    )


@pytest.fixture
def uploader(unverified):
    return UserFactory(organization=unverified, role="admin", username="uploader")


@pytest.fixture
def other_platform_user():
    platform = OrganizationFactory(kind="platform", code="LY-CREDIT", name="洛阳市信用平台", region_code="410300")
    return UserFactory(organization=platform, role="admin", username="luoyang-platform")


def documents_url(enterprise) -> str:
    return reverse("api-verification-documents", args=[enterprise.code])


def decision_url(enterprise, registration: int | None = None) -> str:
    url = reverse("api-verification-decision", args=[enterprise.code])
    return f"{url}?registration={registration}" if registration else url


def submit(user, enterprise=None, **files) -> DocumentReview:
    files.setdefault("licence", upload())
    return documents_submit(actor=user, enterprise=enterprise or user.organization, **files)


# --- submitting -----------------------------------------------------------------------------------


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


# --- deciding -------------------------------------------------------------------------------------


def test_the_operators_approval_verifies_the_enterprise_with_the_uploader_as_legal_representative(
    api_client_for, uploader, operator
):
    review = submit(uploader)

    response = api_client_for(operator).post(
        decision_url(uploader.organization), {"decision": "approve"}, format="json"
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["method"], body["level"]) == ("verified", "document_review", "substantial")
    assert body["verified_at"] and body["signers_required"] == {}
    review.refresh_from_db()
    assert (review.status, review.decided_by, review.reason) == ("approved", operator, "")
    signer = Signer.objects.get(enterprise=uploader.organization, ended_at__isnull=True)
    assert (signer.user, signer.role, signer.source) == (uploader, "legal_representative", "document_review")
    verification = Verification.objects.get(enterprise=uploader.organization)
    assert verification.decided_by == operator
    assert Notification.objects.filter(organization=uploader.organization, kind="verification").exists()
    assert AuditEvent.objects.filter(action="verification.documents_approved", actor_user_id=operator.pk).exists()


def test_a_letter_of_authorization_makes_the_uploader_an_agent_for_every_category_for_a_year(uploader, operator):
    submit(uploader, letter=upload(JPEG, "letter.jpg"))

    documents_decide(actor=operator, review_id=DocumentReview.objects.get().pk, decision="approve", reason="")

    signer = Signer.objects.get(enterprise=uploader.organization, ended_at__isnull=True)
    assert (signer.user, signer.role) == (uploader, "agent")
    assert sorted(signer.scopes) == sorted(ALL_CATEGORIES)
    assert abs(signer.expires_at - (timezone.now() + timedelta(days=365))) < timedelta(minutes=1)
    assert Verification.objects.get(enterprise=uploader.organization).status == "verified"


def test_a_platform_of_the_enterprises_region_may_decide(api_client_for, uploader, platform_admin):
    submit(uploader)

    response = api_client_for(platform_admin).post(
        decision_url(uploader.organization), {"decision": "approve"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "verified"


def test_a_platform_of_another_region_does_not_see_the_enterprise(api_client_for, uploader, other_platform_user):
    review = submit(uploader)

    response = api_client_for(other_platform_user).post(
        decision_url(uploader.organization), {"decision": "approve"}, format="json"
    )

    assert response.status_code == 404
    review.refresh_from_db()
    assert review.status == "pending"


def test_nobody_decides_their_own_upload(unverified, operator):
    review = DocumentReview.objects.create(
        enterprise=unverified, uploaded_by=operator, licence=base64.b64encode(PNG).decode(), licence_type="image/png"
    )

    with pytest.raises(Forbidden) as refused:
        documents_decide(actor=operator, review_id=review.pk, decision="approve", reason="")

    assert refused.value.code == "own_upload"
    review.refresh_from_db()
    assert review.status == "pending"


def test_the_uploader_and_its_colleagues_cannot_decide(api_client_for, uploader):
    submit(uploader)
    colleague = UserFactory(organization=uploader.organization, signer=False)

    for user in (uploader, colleague):
        response = api_client_for(user).post(
            decision_url(uploader.organization), {"decision": "approve"}, format="json"
        )
        assert response.status_code == 403
    assert Verification.objects.get(enterprise=uploader.organization).status == "unverified"


def test_a_rejection_needs_a_reason(api_client_for, uploader, operator):
    submit(uploader)

    response = api_client_for(operator).post(decision_url(uploader.organization), {"decision": "reject"}, format="json")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["reason"]
    assert DocumentReview.objects.get().status == "pending"


def test_a_rejection_marks_the_registration_rejected_and_tells_the_enterprise(api_client_for, uploader, operator):
    submit(uploader)
    reason = "营业执照照片模糊，无法辨认"

    response = api_client_for(operator).post(
        decision_url(uploader.organization), {"decision": "reject", "reason": reason}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["reason"]) == ("rejected", reason)
    assert DocumentReview.objects.get().status == "rejected"
    notice = Notification.objects.get(organization=uploader.organization, kind="verification")
    assert (notice.title, notice.body) == (str(Messages.REJECTED_NOTICE_TITLE), reason)
    assert AuditEvent.objects.filter(action="verification.documents_rejected").exists()
    # a rejected registration may try again, and be verified then
    second = submit(uploader, licence=upload(PDF, "licence.pdf"))
    documents_decide(actor=operator, review_id=second.pk, decision="approve", reason="")
    assert Verification.objects.get(enterprise=uploader.organization).status == "verified"


def test_a_decided_review_cannot_be_decided_again(api_client_for, uploader, operator, platform_admin):
    review = submit(uploader)
    documents_decide(actor=operator, review_id=review.pk, decision="reject", reason="不清楚")

    response = api_client_for(platform_admin).post(
        decision_url(uploader.organization), {"decision": "approve"}, format="json"
    )

    assert response.status_code == 409
    assert Verification.objects.get(enterprise=uploader.organization).status == "rejected"


def test_approving_one_of_two_registrations_of_a_uscc_closes_the_other(api_client_for, uploader, operator):
    rival = OrganizationFactory(
        kind="enterprise", code=uploader.organization.code, region_code="410105", verification="unverified"
    )
    rival_user = UserFactory(organization=rival, role="admin")
    submit(uploader)
    rival_review = submit(rival_user)
    client = api_client_for(operator)

    # with two unverified registrations, the code alone names neither
    assert client.post(decision_url(rival), {"decision": "approve"}, format="json").status_code == 404
    response = client.post(
        decision_url(uploader.organization, uploader.organization_id), {"decision": "approve"}, format="json"
    )

    assert response.status_code == 200
    rival_verification = Verification.objects.get(enterprise=rival)
    assert (rival_verification.status, rival_verification.closed) == ("rejected", True)
    assert Notification.objects.filter(organization=rival, kind="verification").exists()
    # the loser's pending documents can no longer verify it
    response = client.post(decision_url(rival, rival.pk), {"decision": "approve"}, format="json")
    assert response.status_code == 409
    rival_review.refresh_from_db()
    assert rival_review.status == "pending"


# --- the queue and the files ----------------------------------------------------------------------


def test_the_queue_shows_each_reviewer_the_submissions_of_its_region_without_the_files(
    api_client_for, uploader, operator, platform_admin, other_platform_user, outsider
):
    review = submit(uploader, letter=upload(PDF, "letter.pdf"))
    luoyang = OrganizationFactory(kind="enterprise", region_code="410302", verification="unverified")
    luoyang_review = submit(UserFactory(organization=luoyang))

    def queue(user) -> list[int]:
        response = api_client_for(user).get(reverse("api-verification-reviews"))
        assert response.status_code == 200
        assert set(response.json()) == {"results", "next"}
        return [item["id"] for item in response.json()["results"]]

    assert queue(operator) == [review.pk, luoyang_review.pk]
    assert queue(platform_admin) == [review.pk]
    assert queue(other_platform_user) == [luoyang_review.pk]
    assert queue(outsider) == [] and queue(uploader) == []
    item = api_client_for(platform_admin).get(reverse("api-verification-reviews")).json()["results"][0]
    assert (item["uscc"], item["registration"], item["for_agent"]) == (
        uploader.organization.code,
        uploader.organization_id,
        True,
    )
    assert item["licence_url"].endswith(f"/verification-reviews/{review.pk}/licence")
    assert "licence" not in item and base64.b64encode(PNG).decode() not in str(item)


def test_reviewers_download_the_files_with_their_sniffed_type_and_nobody_else_does(
    api_client_for, uploader, operator, platform_admin, other_platform_user, outsider
):
    review = submit(uploader, licence=upload(JPEG, "licence.png", "image/png"), letter=upload(PDF, "letter.bin"))

    for reviewer in (operator, platform_admin):
        licence = api_client_for(reviewer).get(f"/api/v1/verification-reviews/{review.pk}/licence")
        letter = api_client_for(reviewer).get(f"/api/v1/verification-reviews/{review.pk}/letter")
        assert (licence.status_code, licence["Content-Type"], licence.content) == (200, "image/jpeg", JPEG)
        assert (letter.status_code, letter["Content-Type"], letter.content) == (200, "application/pdf", PDF)
    for user in (uploader, other_platform_user, outsider):
        assert api_client_for(user).get(f"/api/v1/verification-reviews/{review.pk}/licence").status_code == 404


def test_a_missing_letter_is_not_found(api_client_for, uploader, operator):
    review = submit(uploader)

    assert api_client_for(operator).get(f"/api/v1/verification-reviews/{review.pk}/letter").status_code == 404


# --- the pages ------------------------------------------------------------------------------------


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


def test_the_queue_page_is_for_reviewers_only(client, uploader, platform_admin, bank_officer):
    review = submit(uploader)
    client.force_login(platform_admin)
    page = client.get(reverse("verification-reviews"))
    assert page.status_code == 200 and f'data-review="{review.pk}"'.encode() in page.content
    assert client.get(reverse("verification-review-document", args=[review.pk, "licence"])).content == PNG

    for user in (uploader, bank_officer):
        client.force_login(user)
        assert client.get(reverse("verification-reviews")).status_code == 403
        assert client.get(reverse("verification-review-document", args=[review.pk, "licence"])).status_code == 403


def test_a_reviewer_rejects_on_the_queue_page_only_with_a_reason(client, uploader, operator):
    review = submit(uploader)
    client.force_login(operator)
    url = reverse("verification-review-decide", args=[review.pk])

    refused = client.post(url, {"decision": "reject", "reason": ""})
    assert refused.status_code == 400 and b'data-field="reason"' in refused.content

    assert client.post(url, {"decision": "reject", "reason": "印章不清"}).status_code == 302
    review.refresh_from_db()
    assert (review.status, review.reason) == ("rejected", "印章不清")


def test_the_home_pages_of_reviewers_link_the_queue(client, operator, platform_admin):
    for user in (operator, platform_admin):
        client.force_login(user)
        assert reverse("verification-reviews").encode() in client.get("/").content
