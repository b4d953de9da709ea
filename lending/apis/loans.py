"""API of a bank's loans after disbursement and their monthly reports (贷后月报): the loans,
one loan with its reports, a batch of reports as JSON or as a CSV file."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.base import PaginatedAPIView
from hub.api.schema import error_responses
from hub.errors import InvalidInput, UploadTooLarge
from lending.models import Loan, LoanReport, LoanStatus
from lending.selectors.loans import loan_get, loan_list, loan_renewed_from, loan_reports
from lending.services.loans import Messages, csv_rows, json_rows, loan_reports_submit


class LoanReportSerializer(serializers.ModelSerializer):
    month = serializers.DateField(format="%Y-%m")
    renewal_loan = serializers.IntegerField(source="renewal_loan_id", allow_null=True)

    class Meta:
        model = LoanReport
        fields = [
            "month",
            "balance",
            "principal_repaid",
            "interest_repaid",
            "overdue_days",
            "status",
            "renewal_loan",
            "reported_at",
            "corrected_at",
        ]


class LoanOutputSerializer(serializers.ModelSerializer):
    bank = serializers.CharField(source="bank.code")
    enterprise = serializers.CharField(source="enterprise.code")
    enterprise_name = serializers.CharField(source="enterprise.name")
    application = serializers.IntegerField(source="application_id")

    class Meta:
        model = Loan
        fields = [
            "id",
            "application",
            "bank",
            "enterprise",
            "enterprise_name",
            "contract_no",
            "amount",
            "rate",
            "term_months",
            "guarantee",
            "pure_credit",
            "first_loan",
            "renewal",
            "disbursed_on",
            "matures_on",
            "status",
            "region_code",
            "category",
        ]


class LoanDetailSerializer(LoanOutputSerializer):
    reports = serializers.SerializerMethodField()
    renews = serializers.SerializerMethodField()

    class Meta(LoanOutputSerializer.Meta):
        fields = [*LoanOutputSerializer.Meta.fields, "renews", "reports"]

    def get_reports(self, loan) -> list[dict]:
        return LoanReportSerializer(loan_reports(loan), many=True).data

    def get_renews(self, loan) -> list[int]:
        return loan_renewed_from(loan)


class LoanListApi(PaginatedAPIView):
    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=LoanStatus.choices, required=False)

    @extend_schema(
        operation_id="loans_list",
        parameters=[FilterSerializer],
        responses={200: LoanOutputSerializer(many=True), **error_responses(400, 401, 403)},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        return self.paginate(loan_list(user=request.user, filters=filters.validated_data), LoanOutputSerializer)


class LoanDetailApi(APIView):
    @extend_schema(
        operation_id="loans_retrieve", responses={200: LoanDetailSerializer, **error_responses(401, 403, 404)}
    )
    def get(self, request, loan_id: int):
        return Response(LoanDetailSerializer(loan_get(user=request.user, loan_id=loan_id)).data)


class ReportOutcomeSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    corrected = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class ReportRowSerializer(serializers.Serializer):
    """What a row holds; the service checks every row and names each fault ``rows[i].field``."""

    loan = serializers.IntegerField(min_value=1)
    month = serializers.RegexField(r"^\d{4}-\d{2}$", help_text="YYYY-MM")
    balance = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    principal_repaid = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    interest_repaid = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    overdue_days = serializers.IntegerField(min_value=0, required=False)
    status = serializers.ChoiceField(choices=LoanStatus.choices)
    renewal_loan = serializers.IntegerField(min_value=1, required=False, allow_null=True)


def _outcome(outcome) -> dict:
    return {"created": outcome.created, "corrected": outcome.corrected, "unchanged": outcome.unchanged}


class LoanReportBatchApi(APIView):
    class InputSerializer(serializers.Serializer):
        rows = ReportRowSerializer(many=True)

    @extend_schema(
        operation_id="loan_reports_create",
        request=InputSerializer,
        responses={200: ReportOutcomeSerializer, **error_responses(400, 401, 403, 404, 413)},
    )
    def post(self, request):
        rows = request.data.get("rows") if isinstance(request.data, dict) else None
        if not isinstance(rows, list):
            message = Messages.REQUIRED
            raise InvalidInput(message, fields={"rows": [str(message)]})
        if len(rows) > settings.LENDING_REPORT_MAX_ROWS:
            message = Messages.TOO_MANY_ROWS % {"limit": settings.LENDING_REPORT_MAX_ROWS}
            raise UploadTooLarge(message, fields={"rows": [message]})
        outcome = loan_reports_submit(actor=request.user, rows=json_rows(rows), source="api")
        return Response(_outcome(outcome))


class LoanReportUploadApi(APIView):
    parser_classes = [MultiPartParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(help_text="CSV: loan, month, balance, principal_repaid, …")

    @extend_schema(
        operation_id="loan_reports_upload",
        request={"multipart/form-data": InputSerializer},
        responses={200: ReportOutcomeSerializer, **error_responses(400, 401, 403, 404, 413, 415)},
    )
    def post(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.LENDING_REPORT_MAX_UPLOAD_BYTES + 64 * 1024:  # refused before it is read
            message = Messages.FILE_TOO_LARGE % {"limit": settings.LENDING_REPORT_MAX_UPLOAD_BYTES // 2**20}
            raise UploadTooLarge(message, fields={"file": [message]})
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = loan_reports_submit(actor=request.user, rows=csv_rows(data.validated_data["file"]), source="csv")
        return Response(_outcome(outcome))
