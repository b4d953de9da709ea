"""HTTP API of disputes (异议, API.md §Disputes). Thin adapters over the services and selectors."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from connectors.models import Dispute
from connectors.selectors.disputes import dispute_get, dispute_statistics, disputes_visible_to
from connectors.services.disputes import dispute_decide, dispute_file
from hub.api.base import PaginatedAPIView
from hub.api.schema import error_responses
from hub.categories import Category


class DisputeOutputSerializer(serializers.ModelSerializer):
    enterprise = serializers.CharField(source="enterprise.code")
    connector = serializers.CharField(source="connector.name")
    category = serializers.ChoiceField(choices=Category.choices)
    source_id = serializers.CharField()
    reason = serializers.CharField()
    status = serializers.ChoiceField(choices=Dispute.Status.choices)
    route = serializers.ChoiceField(choices=Dispute.Route.choices)
    correction = serializers.ChoiceField(choices=Dispute.Correction.choices)
    evidence = inline_serializer(
        "DisputeEvidence",
        {
            "name": serializers.CharField(),
            "media_type": serializers.CharField(),
            "size": serializers.IntegerField(),
            "sha256": serializers.CharField(),
        },
        many=True,
    )

    class Meta:
        model = Dispute
        fields = [
            "id",
            "status",
            "enterprise",
            "connector",
            "category",
            "source_id",
            "reason",
            "evidence",
            "route",
            "filed_at",
            "due_on",
            "resolution",
            "resolved_at",
            "correction",
        ]


class DisputeListCreateApi(PaginatedAPIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        enterprise = serializers.CharField(max_length=18)
        category = serializers.ChoiceField(choices=Category.choices)
        source_id = serializers.CharField(max_length=200)
        reason = serializers.CharField(max_length=2000)
        evidence = serializers.ListField(child=serializers.FileField(), required=False, default=list)

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=Dispute.Status.choices, required=False)
        route = serializers.ChoiceField(choices=Dispute.Route.choices, required=False)

    @extend_schema(
        operation_id="disputes_list",
        parameters=[FilterSerializer],
        responses={200: DisputeOutputSerializer(many=True), **error_responses(400, 401)},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        return self.paginate(disputes_visible_to(request.user, filters=filters.validated_data), DisputeOutputSerializer)

    @extend_schema(
        operation_id="disputes_create",
        request={"multipart/form-data": InputSerializer, "application/json": InputSerializer},
        responses={201: DisputeOutputSerializer, **error_responses(400, 401, 403, 409, 413, 415)},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        dispute = dispute_file(
            actor=request.user,
            uscc=values["enterprise"],
            category=values["category"],
            source_id=values["source_id"],
            reason=values["reason"],
            evidence=values["evidence"],
        )
        dispute = dispute_get(user=request.user, dispute_id=dispute.pk)
        return Response(DisputeOutputSerializer(dispute).data, status=status.HTTP_201_CREATED)


class DisputeDetailApi(APIView):
    @extend_schema(
        operation_id="disputes_retrieve", responses={200: DisputeOutputSerializer, **error_responses(401, 404)}
    )
    def get(self, request, dispute_id: int):
        return Response(DisputeOutputSerializer(dispute_get(user=request.user, dispute_id=dispute_id)).data)


class DisputeDecisionApi(APIView):
    class InputSerializer(serializers.Serializer):
        decision = serializers.ChoiceField(choices=[Dispute.Status.UPHELD, Dispute.Status.REJECTED])
        resolution = serializers.CharField(max_length=2000)

    @extend_schema(
        operation_id="disputes_decide",
        request=InputSerializer,
        responses={200: DisputeOutputSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, dispute_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dispute_decide(actor=request.user, dispute_id=dispute_id, **data.validated_data)
        return Response(DisputeOutputSerializer(dispute_get(user=request.user, dispute_id=dispute_id)).data)


class DisputeStatisticsApi(APIView):
    class OutputSerializer(serializers.Serializer):
        platform = serializers.CharField()
        platform_name = serializers.CharField()
        total = serializers.IntegerField()
        by_status = serializers.DictField(child=serializers.IntegerField())
        overdue = serializers.IntegerField()
        median_days_to_resolve = serializers.FloatField(allow_null=True)

    @extend_schema(
        operation_id="disputes_statistics",
        responses={200: OutputSerializer(many=True), **error_responses(401, 403)},
    )
    def get(self, request):
        return Response(self.OutputSerializer(dispute_statistics(user=request.user), many=True).data)
