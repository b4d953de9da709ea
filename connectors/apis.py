"""HTTP API of connectors, credit pulls and credit profiles (API.md). Thin adapters."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from connectors import registry
from connectors.models import Connector, CreditPull, PullSource
from connectors.selectors.connectors import connector_get, connectors_visible_to, pull_get, pulls_visible_to
from connectors.services.connectors import connector_register, connector_set_status
from connectors.services.profiles import credit_profile_read
from connectors.services.pulls import credit_pull_start
from hub.api.base import PaginatedAPIView
from hub.api.fields import RegionCodeField
from hub.api.schema import error_responses
from hub.categories import Category
from hub.verification.serializers import SubjectVerificationSerializer

# --- connectors ---------------------------------------------------------------------------------


class HealthSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=Connector.Health.choices)
    checked_at = serializers.DateTimeField(allow_null=True)
    failures = serializers.IntegerField()
    detail = serializers.CharField(allow_blank=True)


class ConnectorOutputSerializer(serializers.ModelSerializer):
    platform = serializers.CharField(source="platform.code")
    health = serializers.SerializerMethodField()
    categories = serializers.ListField(child=serializers.ChoiceField(choices=Category.choices))
    region_codes = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = Connector
        fields = [
            "id",
            "name",
            "kind",
            "base_url",
            "region_codes",
            "categories",
            "key_id",
            "status",
            "platform",
            "health",
            "created_at",
            "approved_at",
        ]

    @extend_schema_field(HealthSerializer)
    def get_health(self, connector) -> dict:
        return HealthSerializer(
            {
                "state": connector.health_state,
                "checked_at": connector.health_checked_at,
                "failures": connector.health_failures,
                "detail": connector.health_detail,
            }
        ).data


class ConnectorListCreateApi(PaginatedAPIView):
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200)
        kind = serializers.ChoiceField(choices=registry.choices())
        base_url = serializers.CharField(max_length=500)
        region_codes = serializers.ListField(child=RegionCodeField(), min_length=1, max_length=50)
        categories = serializers.ListField(
            child=serializers.ChoiceField(choices=Category.choices), min_length=1, max_length=15
        )
        key_id = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
        secret = serializers.CharField(
            max_length=500, required=False, default="", allow_blank=True, write_only=True, trim_whitespace=False
        )

    @extend_schema(
        operation_id="connectors_list",
        responses={200: ConnectorOutputSerializer(many=True), **error_responses(400, 401)},
    )
    def get(self, request):
        return self.paginate(connectors_visible_to(request.user), ConnectorOutputSerializer)

    @extend_schema(
        operation_id="connectors_create",
        request=InputSerializer,
        responses={201: ConnectorOutputSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        connector = connector_register(actor=request.user, **data.validated_data)
        return Response(ConnectorOutputSerializer(connector).data, status=status.HTTP_201_CREATED)


class ConnectorDetailApi(APIView):
    @extend_schema(
        operation_id="connectors_retrieve", responses={200: ConnectorOutputSerializer, **error_responses(401, 404)}
    )
    def get(self, request, connector_id: int):
        return Response(ConnectorOutputSerializer(connector_get(user=request.user, connector_id=connector_id)).data)


def _status_action(action: str):
    class ConnectorStatusApi(APIView):
        @extend_schema(
            operation_id=f"connectors_{action}",
            request=None,
            responses={200: ConnectorOutputSerializer, **error_responses(401, 403, 404, 409)},
        )
        def post(self, request, connector_id: int):
            connector = connector_set_status(actor=request.user, connector_id=connector_id, action=action)
            return Response(ConnectorOutputSerializer(connector).data)

    ConnectorStatusApi.__name__ = ConnectorStatusApi.__qualname__ = f"Connector{action.title()}Api"
    return ConnectorStatusApi


ConnectorApproveApi = _status_action("approve")
ConnectorSuspendApi = _status_action("suspend")


# --- credit pulls ---------------------------------------------------------------------------------


class PullSourceSerializer(serializers.ModelSerializer):
    connector = serializers.IntegerField(source="connector_id")
    connector_name = serializers.CharField(source="connector.name")
    status = serializers.ChoiceField(choices=PullSource._meta.get_field("status").choices)

    class Meta:
        model = PullSource
        fields = [
            "connector",
            "connector_name",
            "status",
            "records",
            "skipped",
            "error",
            "categories",
            "started_at",
            "finished_at",
        ]


class CreditPullOutputSerializer(serializers.ModelSerializer):
    enterprise = serializers.CharField(source="enterprise.code")
    sources = PullSourceSerializer(many=True)
    status = serializers.ChoiceField(choices=CreditPull._meta.get_field("status").choices)
    since = serializers.DictField(
        child=serializers.CharField(),
        help_text="category → the earliest day asked for and stored (the retention policy's look-back).",
    )

    class Meta:
        model = CreditPull
        fields = [
            "id",
            "status",
            "enterprise",
            "categories",
            "since",
            "sources",
            "authorization",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]


class CreditPullListCreateApi(PaginatedAPIView):
    class InputSerializer(serializers.Serializer):
        enterprise = serializers.CharField(max_length=18)
        categories = serializers.ListField(
            child=serializers.ChoiceField(choices=Category.choices), min_length=1, max_length=15, required=False
        )

    @extend_schema(
        operation_id="credit_pulls_list",
        responses={200: CreditPullOutputSerializer(many=True), **error_responses(400, 401)},
    )
    def get(self, request):
        return self.paginate(pulls_visible_to(request.user), CreditPullOutputSerializer)

    @extend_schema(
        operation_id="credit_pulls_create",
        request=InputSerializer,
        responses={202: CreditPullOutputSerializer, **error_responses(400, 401, 403, 429)},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pull = credit_pull_start(
            actor=request.user,
            enterprise_uscc=data.validated_data["enterprise"],
            categories=data.validated_data.get("categories"),
        )
        pull = pull_get(user=request.user, pull_id=pull.pk)
        return Response(CreditPullOutputSerializer(pull).data, status=status.HTTP_202_ACCEPTED)


class CreditPullDetailApi(APIView):
    @extend_schema(
        operation_id="credit_pulls_retrieve", responses={200: CreditPullOutputSerializer, **error_responses(401, 404)}
    )
    def get(self, request, pull_id: int):
        return Response(CreditPullOutputSerializer(pull_get(user=request.user, pull_id=pull_id)).data)


# --- credit profile -------------------------------------------------------------------------------


class CreditProfileApi(APIView):
    class OutputSerializer(serializers.Serializer):
        enterprise = serializers.CharField()
        enterprise_name = serializers.CharField()
        generated_at = serializers.DateTimeField()
        subject_verification = SubjectVerificationSerializer()
        signers = inline_serializer(
            "CreditProfileSigner",
            {
                "authorization": serializers.IntegerField(),
                "role": serializers.CharField(),
                "person": serializers.CharField(),
                "signed_at": serializers.DateTimeField(),
            },
            many=True,
        )
        summary = serializers.DictField()
        categories = serializers.DictField(
            child=inline_serializer(
                "CreditProfileCategory",
                {
                    "fetched_at": serializers.DateTimeField(allow_null=True),
                    "records": inline_serializer(
                        "CreditProfileRecord",
                        {
                            "source_id": serializers.CharField(),
                            "occurred_on": serializers.DateField(allow_null=True),
                            "data": serializers.DictField(),
                            "connector": serializers.CharField(),
                            "connector_id": serializers.IntegerField(),
                            "disputed": serializers.BooleanField(),
                        },
                        many=True,
                    ),
                },
            )
        )

    @extend_schema(
        operation_id="enterprise_credit_profile", responses={200: OutputSerializer, **error_responses(401, 403)}
    )
    def get(self, request, uscc: str):
        # The service builds exactly the documented shape; a profile carries dozens of
        # records, so it is rendered as built rather than walked again by a serializer.
        return Response(credit_profile_read(actor=request.user, uscc=uscc))
