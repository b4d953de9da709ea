"""The verification API (API.md §Verification): the state, the legal representative's
settings and agents, the operator's suspension, and the public status lists of receipts.
Thin adapters: validate, call one service or selector, serialize."""

from __future__ import annotations

import json

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.base import PaginatedAPIView
from hub.api.schema import error_responses
from hub.categories import Category
from hub.errors import NotFound
from hub.models import Signer, StatusList, Verification
from hub.selectors.verification import current_signers, verification_visible
from hub.services.verification import (
    agent_appoint,
    agent_end,
    signers_required_update,
    verification_reinstate,
    verification_suspend,
)
from hub.status_lists import MEDIA_TYPE, status_list_token
from hub.verification.serializers import VerificationOutputSerializer

REGISTRATION_PARAMETER = OpenApiParameter(
    "registration",
    OpenApiTypes.INT,
    description="The organization id of one of several unverified registrations of the USCC (operator, reviewers).",
)


def registration_id(request) -> int | None:
    """``?registration=<organization id>``; anything but a positive integer is ignored (it
    can only ever narrow what the caller sees)."""
    value = request.query_params.get("registration", "")
    return int(value) if value.isdigit() and len(value) < 19 else None


def visible_verification(request, uscc: str) -> Verification:
    return verification_visible(user=request.user, uscc=uscc, registration_id=registration_id(request))


class VerificationApi(APIView):
    class PatchInputSerializer(serializers.Serializer):
        signers_required = serializers.DictField(
            child=serializers.IntegerField(min_value=1, max_value=2), allow_empty=False
        )

    @extend_schema(
        operation_id="enterprise_verification_retrieve",
        parameters=[REGISTRATION_PARAMETER],
        responses={200: VerificationOutputSerializer, **error_responses(401, 404)},
    )
    def get(self, request, uscc: str):
        return Response(VerificationOutputSerializer(visible_verification(request, uscc)).data)

    @extend_schema(
        operation_id="enterprise_verification_update",
        request=PatchInputSerializer,
        responses={200: VerificationOutputSerializer, **error_responses(400, 401, 403, 404)},
    )
    def patch(self, request, uscc: str):
        verification = visible_verification(request, uscc)
        data = self.PatchInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        verification = signers_required_update(
            actor=request.user,
            enterprise=verification.enterprise,
            signers_required=data.validated_data["signers_required"],
        )
        return Response(VerificationOutputSerializer(verification).data)


class VerificationSuspendApi(APIView):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=500)

    @extend_schema(
        operation_id="enterprise_verification_suspend",
        parameters=[REGISTRATION_PARAMETER],
        request=InputSerializer,
        responses={200: VerificationOutputSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, uscc: str):
        verification = visible_verification(request, uscc)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        verification = verification_suspend(
            actor=request.user, enterprise=verification.enterprise, reason=data.validated_data["reason"]
        )
        return Response(VerificationOutputSerializer(verification).data)


class VerificationReinstateApi(APIView):
    @extend_schema(
        operation_id="enterprise_verification_reinstate",
        parameters=[REGISTRATION_PARAMETER],
        request=None,
        responses={200: VerificationOutputSerializer, **error_responses(401, 403, 404, 409)},
    )
    def post(self, request, uscc: str):
        verification = visible_verification(request, uscc)
        verification = verification_reinstate(actor=request.user, enterprise=verification.enterprise)
        return Response(VerificationOutputSerializer(verification).data)


class AgentOutputSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=Category.choices))

    class Meta:
        model = Signer
        fields = ["id", "username", "role", "scopes", "expires_at", "created_at"]


class AgentListCreateApi(PaginatedAPIView):
    class InputSerializer(serializers.Serializer):
        username = serializers.RegexField(r"^[\w.@+-]+\Z", max_length=150)
        scopes = serializers.ListField(
            child=serializers.ChoiceField(choices=Category.choices), min_length=1, max_length=15
        )
        expires_at = serializers.DateTimeField()

    @extend_schema(
        operation_id="enterprise_signers_list",
        responses={200: AgentOutputSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request, uscc: str):
        """Who signs for the enterprise now: its legal representative and agents."""
        verification = visible_verification(request, uscc)
        return self.paginate(current_signers(verification.enterprise), AgentOutputSerializer)

    @extend_schema(
        operation_id="enterprise_agents_create",
        request=InputSerializer,
        responses={201: AgentOutputSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, uscc: str):
        verification = visible_verification(request, uscc)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        signer = agent_appoint(actor=request.user, enterprise=verification.enterprise, **data.validated_data)
        return Response(AgentOutputSerializer(signer).data, status=status.HTTP_201_CREATED)


class AgentDetailApi(APIView):
    @extend_schema(
        operation_id="enterprise_agents_destroy",
        request=None,
        responses={204: None, **error_responses(401, 403, 404)},
    )
    def delete(self, request, uscc: str, signer_id: int):
        verification = visible_verification(request, uscc)
        agent_end(actor=request.user, enterprise=verification.enterprise, signer_id=signer_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class StatusListRenderer(BaseRenderer):
    """Serves the signed list as it is; errors still as JSON."""

    media_type = MEDIA_TYPE
    format = "jwt"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, str):
            return data.encode("ascii")
        return json.dumps(data, ensure_ascii=False).encode("utf-8")


class StatusListApi(APIView):
    """Public: a bank checks whether a receipt was revoked without an account."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    renderer_classes = [StatusListRenderer, JSONRenderer]

    @extend_schema(
        operation_id="hub_status_list",
        auth=[],
        responses={
            (200, MEDIA_TYPE): OpenApiResponse(
                OpenApiTypes.STR, description="An IETF Token Status List JWT (statuslist+jwt), signed with a JWKS key."
            ),
            **error_responses(404),
        },
    )
    def get(self, request, status_list_id: int):
        status_list = StatusList.objects.filter(pk=status_list_id).first()
        if status_list is None:
            raise NotFound(_("Status list not found."))
        return Response(
            status_list_token(status_list), content_type=MEDIA_TYPE, headers={"Cache-Control": "public, max-age=60"}
        )
