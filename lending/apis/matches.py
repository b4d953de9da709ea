"""API of matches and matchmaking events (政银企对接)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.base import PaginatedAPIView
from hub.api.fields import RegionCodeField, money_field
from hub.api.schema import error_responses
from lending.models import Match, MatchmakingEvent
from lending.models.products import ProductCategory
from lending.selectors.matches import event_get, events_visible_to, match_get, match_list
from lending.serializers import MatchOutputSerializer
from lending.services.matches import event_create, event_record_intent, match_progress


class MatchListApi(PaginatedAPIView):
    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=Match.Status.choices, required=False)
        source = serializers.ChoiceField(choices=Match.Source.choices, required=False)

    @extend_schema(
        operation_id="matches_list",
        parameters=[FilterSerializer],
        responses={200: MatchOutputSerializer(many=True), **error_responses(400, 401)},
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        return self.paginate(match_list(user=request.user, filters=filters.validated_data), MatchOutputSerializer)


class MatchDetailApi(APIView):
    @extend_schema(operation_id="matches_retrieve", responses={200: MatchOutputSerializer, **error_responses(401, 404)})
    def get(self, request, match_id: int):
        return Response(MatchOutputSerializer(match_get(user=request.user, match_id=match_id)).data)


class MatchProgressApi(APIView):
    class InputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=[choice for choice in Match.Status.choices if choice[0] != "intent"])
        amount = money_field(required=False, allow_null=True)
        reason = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)

    @extend_schema(
        operation_id="matches_progress",
        request=InputSerializer,
        responses={200: MatchOutputSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, match_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        match = match_progress(
            actor=request.user,
            match_id=match_id,
            status=values["status"],
            amount=values.get("amount"),
            reason=values["reason"],
        )
        return Response(MatchOutputSerializer(match).data)


class EventOutputSerializer(serializers.ModelSerializer):
    organizer = serializers.CharField(source="organizer.code")

    class Meta:
        model = MatchmakingEvent
        fields = ["id", "organizer", "title", "region_code", "held_on", "description", "created_at"]


class EventListCreateApi(PaginatedAPIView):
    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=200)
        region_code = RegionCodeField()
        held_on = serializers.DateField()
        description = serializers.CharField(required=False, default="", allow_blank=True, max_length=5000)

    @extend_schema(
        operation_id="matchmaking_events_list",
        responses={200: EventOutputSerializer(many=True), **error_responses(400, 401)},
    )
    def get(self, request):
        return self.paginate(events_visible_to(request.user), EventOutputSerializer)

    @extend_schema(
        operation_id="matchmaking_events_create",
        request=InputSerializer,
        responses={201: EventOutputSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event = event_create(actor=request.user, **data.validated_data)
        return Response(EventOutputSerializer(event).data, status=status.HTTP_201_CREATED)


class EventDetailApi(APIView):
    @extend_schema(
        operation_id="matchmaking_events_retrieve", responses={200: EventOutputSerializer, **error_responses(401, 404)}
    )
    def get(self, request, event_id: int):
        return Response(EventOutputSerializer(event_get(user=request.user, event_id=event_id)).data)


class EventIntentApi(APIView):
    class InputSerializer(serializers.Serializer):
        bank = serializers.CharField(max_length=32)
        enterprise = serializers.CharField(max_length=18)
        amount = money_field(required=False, allow_null=True)
        category = serializers.ChoiceField(choices=ProductCategory.choices, required=False, default="")

    @extend_schema(
        operation_id="matchmaking_events_intents_create",
        request=InputSerializer,
        responses={201: MatchOutputSerializer, **error_responses(400, 401, 404)},
    )
    def post(self, request, event_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        match = event_record_intent(
            actor=request.user,
            event_id=event_id,
            bank_code=values["bank"],
            uscc=values["enterprise"],
            amount=values.get("amount"),
            category=values["category"],
        )
        return Response(MatchOutputSerializer(match).data, status=status.HTTP_201_CREATED)
