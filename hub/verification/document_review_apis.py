"""API of the ``document_review`` verification method (API.md §Verification): an enterprise
submits its documents, a reviewer reads the queue, opens the files and decides. Thin
adapters: validate, call one service or selector, serialize (STYLE.md rule 2)."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.base import PaginatedAPIView
from hub.api.pagination import CursorPagination
from hub.api.schema import error_responses
from hub.models import DocumentReview
from hub.selectors.document_review import (
    DOCUMENTS,
    document_content,
    document_review_for_reviewer,
    document_review_pending_id,
)
from hub.selectors.verification import document_reviews_pending_for
from hub.services.document_review import DECISIONS, documents_decide, documents_submit
from hub.verification.apis import REGISTRATION_PARAMETER, visible_verification
from hub.verification.serializers import VerificationOutputSerializer


class DocumentsSubmitApi(APIView):
    parser_classes = [MultiPartParser]

    class InputSerializer(serializers.Serializer):
        licence = serializers.FileField(allow_empty_file=False)
        letter = serializers.FileField(allow_empty_file=False, required=False)

    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = DocumentReview
            fields = ["id", "status", "uploaded_at"]

    @extend_schema(
        operation_id="enterprise_verification_documents_create",
        request={"multipart/form-data": InputSerializer},
        responses={202: OutputSerializer, **error_responses(400, 401, 403, 404, 409, 413, 415)},
    )
    def post(self, request, uscc: str):
        """The business licence (and, to act as an agent, the letter of authorization) as
        PDF, JPEG or PNG, told by content; a reviewer decides later."""
        verification = visible_verification(request, uscc)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = documents_submit(
            actor=request.user,
            enterprise=verification.enterprise,
            licence=data.validated_data["licence"],
            letter=data.validated_data.get("letter"),
        )
        return Response(self.OutputSerializer(review).data, status=status.HTTP_202_ACCEPTED)


class DocumentsDecisionApi(APIView):
    class InputSerializer(serializers.Serializer):
        decision = serializers.ChoiceField(choices=DECISIONS)
        reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    @extend_schema(
        operation_id="enterprise_verification_decision_create",
        parameters=[REGISTRATION_PARAMETER],
        request=InputSerializer,
        responses={200: VerificationOutputSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, uscc: str):
        """Approve or reject the enterprise's documents awaiting review (reject needs a reason)."""
        verification = visible_verification(request, uscc)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        documents_decide(
            actor=request.user, review_id=document_review_pending_id(verification.enterprise), **data.validated_data
        )
        verification.refresh_from_db()
        return Response(VerificationOutputSerializer(verification).data)


# --- the reviewers' queue -------------------------------------------------------------------------


class QueuePagination(CursorPagination):
    """A queue: oldest submission first."""

    ordering = "id"


@extend_schema_field(OpenApiTypes.URI)
class DocumentUrlField(serializers.Field):
    def __init__(self, document: str, **kwargs):
        self.document = document
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, review):
        if self.document == "letter" and not review.letter_type:
            return None
        path = reverse("api-verification-review-document", args=[review.pk, self.document])
        return self.context["request"].build_absolute_uri(path)


class ReviewOutputSerializer(serializers.ModelSerializer):
    registration = serializers.IntegerField(source="enterprise_id")
    uscc = serializers.CharField(source="enterprise.code")
    enterprise_name = serializers.CharField(source="enterprise.name")
    region_code = serializers.CharField(source="enterprise.region_code")
    uploaded_by = serializers.CharField(source="uploaded_by.username")
    for_agent = serializers.BooleanField()
    licence_url = DocumentUrlField("licence")
    letter_url = DocumentUrlField("letter", allow_null=True)

    class Meta:
        model = DocumentReview
        fields = [
            "id",
            "registration",
            "uscc",
            "enterprise_name",
            "region_code",
            "status",
            "uploaded_by",
            "uploaded_at",
            "licence_type",
            "letter_type",
            "for_agent",
            "licence_url",
            "letter_url",
        ]


class ReviewQueueApi(PaginatedAPIView):
    pagination_class = QueuePagination

    @extend_schema(
        operation_id="verification_reviews_list",
        responses={200: ReviewOutputSerializer(many=True), **error_responses(400, 401)},
    )
    def get(self, request):
        """Submissions awaiting review: every one for the operator, its region's for a city
        platform, none for anyone else. The files are links, never inline."""
        queryset = document_reviews_pending_for(request.user).defer("licence", "letter")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, request, view=self)
        data = ReviewOutputSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)


class ReviewDocumentApi(APIView):
    @extend_schema(
        operation_id="verification_reviews_document_retrieve",
        parameters=[
            OpenApiParameter("review_id", OpenApiTypes.INT, OpenApiParameter.PATH),
            OpenApiParameter("document", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(DOCUMENTS)),
        ],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            (200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY),
            (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY),
            **error_responses(401, 404),
        },
    )
    def get(self, request, review_id: int, document: str):
        """The licence or the letter, with the media type sniffed at upload; reviewers only."""
        review = document_review_for_reviewer(user=request.user, review_id=review_id)
        return document_response(review, document)


def document_response(review: DocumentReview, document: str) -> HttpResponse:
    """The file as a response shown in the browser, never sniffed again by it."""
    content, media_type = document_content(review, document)
    response = HttpResponse(content, content_type=media_type)
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(media_type, "bin")
    response["Content-Disposition"] = f'inline; filename="review-{review.pk}-{document}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
