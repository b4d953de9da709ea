"""Document review: who decides, what approval and rejection do, the queue."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hub.categories import ALL_CATEGORIES
from hub.errors import Forbidden
from hub.models import AuditEvent, DocumentReview, Notification, Signer, Verification
from hub.services.document_review import Messages, documents_decide
from tests.hub.document_review.helpers import JPEG, PDF, PNG, decision_url, submit, upload
from tests.hub.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


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
    assert (notice.rendered_title, notice.rendered_body) == (str(Messages.REJECTED_NOTICE_TITLE), reason)
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
