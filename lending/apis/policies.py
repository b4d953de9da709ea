"""API of policy push (政策精准推送)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from hub.api.base import PaginatedAPIView
from hub.api.schema import error_responses
from lending.models import Policy
from lending.selectors.policies import policies_visible_to
from lending.services.policies import policy_publish


class PolicyOutputSerializer(serializers.ModelSerializer):
    targeting = serializers.DictField()

    class Meta:
        model = Policy
        fields = ["id", "title", "body", "targeting", "published_at", "recipients"]


class PolicyCreateApi(PaginatedAPIView):
    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=200)
        body = serializers.CharField(max_length=20000)
        targeting = serializers.DictField(required=False, default=dict)

    @extend_schema(
        operation_id="policies_list",
        responses={200: PolicyOutputSerializer(many=True), **error_responses(400, 401)},
    )
    def get(self, request):
        """What the caller's organization has published, newest first, with how many each reached."""
        return self.paginate(policies_visible_to(request.user), PolicyOutputSerializer)

    @extend_schema(
        operation_id="policies_create",
        request=InputSerializer,
        responses={201: PolicyOutputSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        policy = policy_publish(actor=request.user, **data.validated_data)
        return Response(PolicyOutputSerializer(policy).data, status=status.HTTP_201_CREATED)
