"""The webhooks API: an organization's endpoints (its admins manage them), their deliveries
with every attempt, replays and the test event. Thin adapters: validate, call one service or
selector, serialize."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.base import PaginatedAPIView
from hub.api.schema import error_responses
from hub.errors import Forbidden, InvalidInput
from hub.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from hub.selectors.webhooks import webhook_deliveries_for, webhook_endpoints_for
from hub.services import webhooks as services
from hub.webhooks.catalogue import ALL_EVENT_TYPES, event_type_choices


def _event_type_field() -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=event_type_choices())


def _admin(request) -> None:
    if not request.user.is_organization_admin:
        raise Forbidden(services.Messages.ADMINS_ONLY)


class EndpointOutputSerializer(serializers.ModelSerializer):
    event_types = serializers.ListField(child=_event_type_field())

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "description", "event_types", "status", "disabled_reason", "created_at", "updated_at"]


class EndpointWithSecretOutputSerializer(EndpointOutputSerializer):
    # Shown once: on creation and on rotation. Never readable again.
    secret = serializers.CharField()

    class Meta(EndpointOutputSerializer.Meta):
        fields = [*EndpointOutputSerializer.Meta.fields, "secret"]


def _with_secret(endpoint: WebhookEndpoint, secret: str) -> dict:
    endpoint.secret = secret
    return EndpointWithSecretOutputSerializer(endpoint).data


class AttemptOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["at", "status_code", "latency_ms", "response_excerpt", "error"]


class DeliveryOutputSerializer(serializers.ModelSerializer):
    event_id = serializers.CharField(source="event.public_id")
    event_type = serializers.ChoiceField(source="event.type", choices=ALL_EVENT_TYPES)
    occurred_at = serializers.DateTimeField(source="event.occurred_at")
    data = serializers.JSONField(source="event.data")
    endpoint = serializers.IntegerField(source="endpoint_id")
    attempt_log = AttemptOutputSerializer(many=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "occurred_at",
            "data",
            "endpoint",
            "status",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "delivered_at",
            "created_at",
            "attempt_log",
        ]


class EndpointListCreateApi(PaginatedAPIView):
    class InputSerializer(serializers.Serializer):
        url = serializers.URLField(max_length=500)
        event_types = serializers.ListField(child=_event_type_field(), min_length=1, max_length=len(ALL_EVENT_TYPES))
        description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    @extend_schema(
        operation_id="webhook_endpoints_list",
        responses={200: EndpointOutputSerializer(many=True), **error_responses(400, 401, 403)},
    )
    def get(self, request):
        _admin(request)
        return self.paginate(webhook_endpoints_for(request.user), EndpointOutputSerializer)

    @extend_schema(
        operation_id="webhook_endpoints_create",
        request=InputSerializer,
        responses={201: EndpointWithSecretOutputSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint, secret = services.webhook_endpoint_create(actor=request.user, **data.validated_data)
        return Response(_with_secret(endpoint, secret), status=status.HTTP_201_CREATED)


class EndpointDetailApi(APIView):
    class InputSerializer(serializers.Serializer):
        url = serializers.URLField(max_length=500, required=False)
        event_types = serializers.ListField(
            child=_event_type_field(), min_length=1, max_length=len(ALL_EVENT_TYPES), required=False
        )
        description = serializers.CharField(max_length=200, required=False, allow_blank=True)

    @extend_schema(
        operation_id="webhook_endpoints_retrieve",
        responses={200: EndpointOutputSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request, endpoint_id: int):
        endpoint = services.webhook_endpoint_managed(request.user, endpoint_id)
        return Response(EndpointOutputSerializer(endpoint).data)

    @extend_schema(
        operation_id="webhook_endpoints_update",
        request=InputSerializer,
        responses={200: EndpointOutputSerializer, **error_responses(400, 401, 403, 404)},
    )
    def patch(self, request, endpoint_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = services.webhook_endpoint_update(actor=request.user, endpoint_id=endpoint_id, **data.validated_data)
        return Response(EndpointOutputSerializer(endpoint).data)

    @extend_schema(
        operation_id="webhook_endpoints_destroy",
        request=None,
        responses={204: None, **error_responses(401, 403, 404)},
    )
    def delete(self, request, endpoint_id: int):
        services.webhook_endpoint_delete(actor=request.user, endpoint_id=endpoint_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EndpointPauseApi(APIView):
    @extend_schema(
        operation_id="webhook_endpoints_pause",
        request=None,
        responses={200: EndpointOutputSerializer, **error_responses(401, 403, 404)},
    )
    def post(self, request, endpoint_id: int):
        endpoint = services.webhook_endpoint_pause(actor=request.user, endpoint_id=endpoint_id)
        return Response(EndpointOutputSerializer(endpoint).data)


class EndpointResumeApi(APIView):
    @extend_schema(
        operation_id="webhook_endpoints_resume",
        request=None,
        responses={200: EndpointOutputSerializer, **error_responses(401, 403, 404)},
    )
    def post(self, request, endpoint_id: int):
        endpoint = services.webhook_endpoint_resume(actor=request.user, endpoint_id=endpoint_id)
        return Response(EndpointOutputSerializer(endpoint).data)


class EndpointRotateSecretApi(APIView):
    @extend_schema(
        operation_id="webhook_endpoints_rotate_secret",
        request=None,
        responses={200: EndpointWithSecretOutputSerializer, **error_responses(401, 403, 404)},
    )
    def post(self, request, endpoint_id: int):
        endpoint, secret = services.webhook_endpoint_rotate_secret(actor=request.user, endpoint_id=endpoint_id)
        return Response(_with_secret(endpoint, secret))


class EndpointTestApi(APIView):
    @extend_schema(
        operation_id="webhook_endpoints_test",
        request=None,
        responses={202: DeliveryOutputSerializer, **error_responses(401, 403, 404)},
    )
    def post(self, request, endpoint_id: int):
        delivery = services.webhook_test_send(actor=request.user, endpoint_id=endpoint_id)
        return Response(DeliveryOutputSerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class DeliveryListApi(PaginatedAPIView):
    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=WebhookDelivery.Status.choices, required=False)
        endpoint = serializers.IntegerField(min_value=1, required=False)
        event_type = serializers.ChoiceField(choices=ALL_EVENT_TYPES, required=False)

    @extend_schema(
        operation_id="webhook_deliveries_list",
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=WebhookDelivery.Status.values),
            OpenApiParameter("endpoint", OpenApiTypes.INT),
            OpenApiParameter("event_type", OpenApiTypes.STR, enum=ALL_EVENT_TYPES),
        ],
        responses={200: DeliveryOutputSerializer(many=True), **error_responses(400, 401, 403)},
    )
    def get(self, request):
        _admin(request)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        values = filters.validated_data
        deliveries = webhook_deliveries_for(
            request.user,
            status=values.get("status"),
            endpoint_id=values.get("endpoint"),
            event_type=values.get("event_type"),
        ).prefetch_related("attempt_log")
        return self.paginate(deliveries, DeliveryOutputSerializer)


class ReplayOutputSerializer(serializers.Serializer):
    queued = serializers.IntegerField()


class EventReplayApi(APIView):
    class InputSerializer(serializers.Serializer):
        endpoint = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)

    @extend_schema(
        operation_id="webhook_events_replay",
        request=InputSerializer,
        responses={202: ReplayOutputSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request, event_id: str):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        deliveries = services.webhook_event_replay(
            actor=request.user, event_id=event_id, endpoint_id=data.validated_data["endpoint"]
        )
        return Response({"queued": len(deliveries)}, status=status.HTTP_202_ACCEPTED)


class EventRangeReplayApi(APIView):
    class InputSerializer(serializers.Serializer):
        since = serializers.DateTimeField()
        until = serializers.DateTimeField()
        endpoint = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
        event_type = serializers.ChoiceField(
            choices=event_type_choices(), required=False, allow_null=True, default=None
        )

    @extend_schema(
        operation_id="webhook_events_replay_range",
        request=InputSerializer,
        responses={202: ReplayOutputSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if values["until"] <= values["since"]:
            raise InvalidInput(services.Messages.RANGE_ORDER, fields={"until": [services.Messages.RANGE_ORDER]})
        queued = services.webhook_events_replay_range(
            actor=request.user,
            since=values["since"],
            until=values["until"],
            endpoint_id=values["endpoint"],
            event_type=values["event_type"],
        )
        return Response({"queued": queued}, status=status.HTTP_202_ACCEPTED)
