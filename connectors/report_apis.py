"""HTTP API of the enterprise's own credit reports (docs/api.md §Credit reports). Thin
adapters: the services ask, issue and withdraw, the selectors scope to the caller's
enterprise (another organization's report is 404)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from connectors.models import CreditReport
from connectors.selectors.reports import report_get, reports_visible_to
from connectors.services.reports import (
    credit_report_request,
    credit_report_withdraw,
    report_pdf_bytes,
    report_signature,
    verification_url,
)
from hub.api.base import PaginatedAPIView
from hub.api.schema import error_responses

PDF_MEDIA_TYPE = "application/pdf"
JWS_MEDIA_TYPE = "application/jose"


class CreditReportOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id")
    status = serializers.ChoiceField(choices=CreditReport.Status.choices)
    enterprise = serializers.CharField(source="enterprise.code")
    verification_url = serializers.SerializerMethodField()

    class Meta:
        model = CreditReport
        fields = [
            "id",
            "status",
            "enterprise",
            "pull",
            "created_at",
            "issued_at",
            "withdrawn_at",
            "error",
            "content_sha256",
            "pdf_sha256",
            "verification_url",
        ]

    def get_verification_url(self, report) -> str:
        return verification_url(report.public_id)


class CreditReportListCreateApi(PaginatedAPIView):
    @extend_schema(
        operation_id="credit_reports_list",
        responses={200: CreditReportOutputSerializer(many=True), **error_responses(400, 401)},
    )
    def get(self, request):
        return self.paginate(reports_visible_to(request.user), CreditReportOutputSerializer)

    @extend_schema(
        operation_id="credit_reports_create",
        request=None,
        responses={202: CreditReportOutputSerializer, **error_responses(401, 403, 503)},
    )
    def post(self, request):
        report = credit_report_request(actor=request.user)
        report = report_get(user=request.user, report_id=report.public_id)
        return Response(CreditReportOutputSerializer(report).data, status=status.HTTP_202_ACCEPTED)


class CreditReportDetailApi(APIView):
    @extend_schema(
        operation_id="credit_reports_retrieve",
        responses={200: CreditReportOutputSerializer, **error_responses(401, 404)},
    )
    def get(self, request, report_id: str):
        return Response(CreditReportOutputSerializer(report_get(user=request.user, report_id=report_id)).data)


class CreditReportWithdrawApi(APIView):
    @extend_schema(
        operation_id="credit_reports_withdraw",
        request=None,
        responses={200: CreditReportOutputSerializer, **error_responses(401, 403, 404, 409)},
    )
    def post(self, request, report_id: str):
        report = credit_report_withdraw(actor=request.user, report_id=report_id)
        return Response(CreditReportOutputSerializer(report).data)


class _FileRenderer(BaseRenderer):
    """Lets a client ask for the file's own type (Accept); the file is sent as it is."""

    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class PdfRenderer(_FileRenderer):
    media_type = PDF_MEDIA_TYPE
    format = "pdf"


class JwsRenderer(_FileRenderer):
    media_type = JWS_MEDIA_TYPE
    format = "jws"


class _DownloadApi(APIView):
    """Errors stay JSON (API.md's error format) whatever file type the client accepts."""

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(response, Response) and response.status_code >= 400:
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)


class CreditReportPdfApi(_DownloadApi):
    renderer_classes = [JSONRenderer, PdfRenderer]

    @extend_schema(
        operation_id="credit_reports_pdf",
        responses={
            (200, PDF_MEDIA_TYPE): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The report as issued, with report.json and report.jws attached.",
            ),
            **error_responses(401, 404, 409),
        },
    )
    def get(self, request, report_id: str):
        report = report_get(user=request.user, report_id=report_id)
        response = Response(report_pdf_bytes(report), content_type=PDF_MEDIA_TYPE)
        request.accepted_renderer, request.accepted_media_type = PdfRenderer(), PDF_MEDIA_TYPE
        response["Content-Disposition"] = f'attachment; filename="credit-report-{report.public_id}.pdf"'
        return response


class CreditReportJwsApi(_DownloadApi):
    renderer_classes = [JSONRenderer, JwsRenderer]

    @extend_schema(
        operation_id="credit_reports_jws",
        responses={
            (200, JWS_MEDIA_TYPE): OpenApiResponse(
                OpenApiTypes.STR,
                description="The compact JWS (EdDSA, typ credit-report+jwt) over the SHA-256 of report.json.",
            ),
            **error_responses(401, 404, 409),
        },
    )
    def get(self, request, report_id: str):
        report = report_get(user=request.user, report_id=report_id)
        response = Response(report_signature(report).encode("ascii"), content_type=JWS_MEDIA_TYPE)
        request.accepted_renderer, request.accepted_media_type = JwsRenderer(), JWS_MEDIA_TYPE
        response["Content-Disposition"] = f'attachment; filename="credit-report-{report.public_id}.jws"'
        return response
