"""API of lending and matching statistics for regulators, with CSV/XLSX exports."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.exports import export_response
from hub.api.schema import error_responses
from hub.errors import InvalidInput
from lending.loan_stats import loan_rows
from lending.stats import lending_rows, matching_rows


class StatsQuerySerializer(serializers.Serializer):
    group_by = serializers.ChoiceField(choices=["region", "bank", "category", "month"])
    date_from = serializers.DateField(required=False, allow_null=True)
    date_to = serializers.DateField(required=False, allow_null=True)


# The API says ``from`` and ``to`` (a Python keyword): translated at this edge only.
_API_NAMES = {"date_from": "from", "date_to": "to"}


def _stats_parameters():
    return [
        OpenApiParameter("group_by", str, enum=["region", "bank", "category", "month"], required=True),
        OpenApiParameter("from", OpenApiTypes.DATE),
        OpenApiParameter("to", OpenApiTypes.DATE),
    ]


def _stats_query(request) -> dict:
    params = request.query_params
    serializer = StatsQuerySerializer(
        data={
            "group_by": params.get("group_by"),
            "date_from": params.get("from") or None,
            "date_to": params.get("to") or None,
        }
    )
    if not serializer.is_valid():
        fields = {
            _API_NAMES.get(name, name): [str(message) for message in messages]
            for name, messages in serializer.errors.items()
        }
        raise InvalidInput(_("The query has invalid parameters."), fields=fields)
    return dict(serializer.validated_data)


class LendingStatsRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    applications = serializers.IntegerField()
    accepted = serializers.IntegerField()
    approved = serializers.IntegerField()
    rejected = serializers.IntegerField()
    signed = serializers.IntegerField()
    disbursed = serializers.IntegerField()
    disbursed_amount = serializers.CharField()
    approval_rate = serializers.CharField(allow_null=True)
    avg_days_to_accept = serializers.CharField(allow_null=True)
    first_loans = serializers.IntegerField()
    pure_credit_loans = serializers.IntegerField()


class MatchingStatsRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    intents = serializers.IntegerField()
    contacted = serializers.IntegerField()
    signed = serializers.IntegerField()
    disbursed = serializers.IntegerField()
    failed = serializers.IntegerField()
    overdue_followups = serializers.IntegerField()
    signed_amount = serializers.CharField()
    disbursed_amount = serializers.CharField()
    conversion_rate = serializers.CharField(allow_null=True)


class LoanStatsRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    loans = serializers.IntegerField(help_text="loans disbursed in the period")
    loan_amount = serializers.CharField()
    first_loan_enterprises = serializers.IntegerField(help_text="首贷户, each enterprise counted once")
    pure_credit_amount = serializers.CharField()
    pure_credit_share = serializers.CharField(allow_null=True, help_text="of the amount disbursed")
    average_rate = serializers.CharField(allow_null=True, help_text="percent, weighted by amount")
    renewals = serializers.IntegerField(help_text="无还本续贷 loans disbursed in the period")
    balance_month = serializers.CharField(allow_null=True, help_text="the month of the reports the balance sums")
    reported_loans = serializers.IntegerField()
    balance = serializers.CharField()
    overdue_balance = serializers.CharField()
    overdue_rate = serializers.CharField(allow_null=True, help_text="overdue balance / balance")


def _rows_serializer(name, row_serializer):
    return type(name, (serializers.Serializer,), {"rows": row_serializer(many=True)})


LendingStatsSerializer = _rows_serializer("LendingStatsSerializer", LendingStatsRowSerializer)
MatchingStatsSerializer = _rows_serializer("MatchingStatsSerializer", MatchingStatsRowSerializer)
LoanStatsSerializer = _rows_serializer("LoanStatsSerializer", LoanStatsRowSerializer)


class LendingStatsApi(APIView):
    @extend_schema(
        operation_id="stats_lending",
        parameters=_stats_parameters(),
        responses={200: LendingStatsSerializer, **error_responses(400, 401, 403)},
    )
    def get(self, request):
        return Response({"rows": lending_rows(user=request.user, **_stats_query(request))})


class MatchingStatsApi(APIView):
    @extend_schema(
        operation_id="stats_matching",
        parameters=_stats_parameters(),
        responses={200: MatchingStatsSerializer, **error_responses(400, 401, 403)},
    )
    def get(self, request):
        return Response({"rows": matching_rows(user=request.user, **_stats_query(request))})


class LoanStatsApi(APIView):
    @extend_schema(
        operation_id="stats_loans",
        parameters=_stats_parameters(),
        responses={200: LoanStatsSerializer, **error_responses(400, 401, 403)},
    )
    def get(self, request):
        return Response({"rows": loan_rows(user=request.user, **_stats_query(request))})


def _export_api(kind: str, rows_function):
    class StatsExportApi(APIView):
        @extend_schema(
            operation_id=f"stats_{kind}_export",
            parameters=[*_stats_parameters(), OpenApiParameter("file_format", str, enum=["csv", "xlsx"])],
            responses={
                (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY),
                (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiResponse(
                    OpenApiTypes.BINARY
                ),
                **error_responses(400, 401, 403),
            },
        )
        def get(self, request):
            file_format = request.query_params.get("file_format", "csv")
            if file_format not in ("csv", "xlsx"):
                message = _("file_format must be csv or xlsx.")
                raise InvalidInput(message, fields={"file_format": [message]})
            query = _stats_query(request)
            rows = rows_function(user=request.user, **query)
            return export_response(rows, filename=f"{kind}-{query['group_by']}", file_format=file_format)

    StatsExportApi.__name__ = StatsExportApi.__qualname__ = f"{kind.title()}StatsExportApi"
    return StatsExportApi


LendingStatsExportApi = _export_api("lending", lending_rows)
MatchingStatsExportApi = _export_api("matching", matching_rows)
LoanStatsExportApi = _export_api("loans", loan_rows)
