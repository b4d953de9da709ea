"""API of consent: authorizations (grant, sign, revoke), the hub's public keys, and the
enterprise's access log of who read its data."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.base import PaginatedAPIView
from hub.api.schema import error_responses
from hub.categories import Category
from hub.models import Authorization
from hub.receipts import public_jwks
from hub.selectors.access_log import access_log_events, access_log_rows
from hub.selectors.consent import authorization_get, authorizations_visible_to
from hub.services.consent import authorization_grant, authorization_revoke, authorization_sign
from hub.verification.serializers import SignatureOutputSerializer, SubjectVerificationSerializer


class AuthorizationOutputSerializer(serializers.ModelSerializer):
    bank = serializers.CharField(source="bank.code")
    bank_name = serializers.CharField(source="bank.name")
    enterprise = serializers.CharField(source="enterprise.code")
    # The status at this instant: past its expiry, expired before the scheduled task records it.
    status = serializers.ChoiceField(choices=Authorization.Status.choices, source="status_now", read_only=True)
    application = serializers.IntegerField(source="application_id", allow_null=True)
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=Category.choices))
    subject_verification = SubjectVerificationSerializer(source="enterprise.verification")
    signers = SignatureOutputSerializer(source="signatures", many=True)

    class Meta:
        model = Authorization
        fields = [
            "id",
            "bank",
            "bank_name",
            "enterprise",
            "scopes",
            "purpose",
            "status",
            "granted_at",
            "expires_at",
            "revoked_at",
            "application",
            "receipt",
            "subject_verification",
            "signers",
        ]


class AuthorizationListCreateApi(PaginatedAPIView):
    class InputSerializer(serializers.Serializer):
        bank = serializers.CharField(max_length=32)
        scopes = serializers.ListField(
            child=serializers.ChoiceField(choices=Category.choices), min_length=1, max_length=15
        )
        purpose = serializers.ChoiceField(choices=Authorization.Purpose.choices)
        expires_at = serializers.DateTimeField()
        application = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)

    @extend_schema(
        operation_id="authorizations_list",
        responses={200: AuthorizationOutputSerializer(many=True), **error_responses(400, 401)},
    )
    def get(self, request):
        return self.paginate(authorizations_visible_to(request.user), AuthorizationOutputSerializer)

    @extend_schema(
        operation_id="authorizations_create",
        request=InputSerializer,
        responses={201: AuthorizationOutputSerializer, **error_responses(400, 401, 403)},
        description="A signer of a verified enterprise grants; `pending_signatures` where a category needs two.",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        authorization = authorization_grant(
            actor=request.user,
            bank_code=values["bank"],
            scopes=values["scopes"],
            purpose=values["purpose"],
            expires_at=values["expires_at"],
            application_id=values["application"],
        )
        return Response(AuthorizationOutputSerializer(authorization).data, status=status.HTTP_201_CREATED)


class AuthorizationDetailApi(APIView):
    @extend_schema(
        operation_id="authorizations_retrieve",
        responses={200: AuthorizationOutputSerializer, **error_responses(401, 404)},
    )
    def get(self, request, authorization_id: int):
        return Response(
            AuthorizationOutputSerializer(authorization_get(user=request.user, authorization_id=authorization_id)).data
        )


class AuthorizationSignApi(APIView):
    @extend_schema(
        operation_id="authorizations_sign",
        request=None,
        responses={200: AuthorizationOutputSerializer, **error_responses(401, 403, 404, 409)},
    )
    def post(self, request, authorization_id: int):
        """A second signer signs an authorization that waits for one (双人签署)."""
        authorization = authorization_sign(actor=request.user, authorization_id=authorization_id)
        return Response(AuthorizationOutputSerializer(authorization).data)


class AuthorizationRevokeApi(APIView):
    @extend_schema(
        operation_id="authorizations_revoke",
        request=None,
        responses={200: AuthorizationOutputSerializer, **error_responses(401, 403, 404, 409)},
    )
    def post(self, request, authorization_id: int):
        authorization = authorization_revoke(actor=request.user, authorization_id=authorization_id)
        return Response(AuthorizationOutputSerializer(authorization).data)


class HubKeysApi(APIView):
    permission_classes = [AllowAny]

    class OutputSerializer(serializers.Serializer):
        keys = serializers.ListField(child=serializers.DictField())

    @extend_schema(operation_id="hub_keys", responses={200: OutputSerializer}, auth=[])
    def get(self, request):
        """The hub's public signing keys as a JWKS (RFC 7517): verify authorization receipts."""
        return Response(public_jwks())


class AccessLogApi(PaginatedAPIView):
    class OutputSerializer(serializers.Serializer):
        at = serializers.DateTimeField()
        organization = inline_serializer(
            "AccessLogOrganization",
            {"code": serializers.CharField(), "name": serializers.CharField(), "kind": serializers.CharField()},
            allow_null=True,
        )
        user = serializers.CharField()
        action = serializers.CharField()
        categories = serializers.ListField(child=serializers.CharField())
        purpose = serializers.CharField(allow_null=True)
        authorization = serializers.IntegerField(allow_null=True)
        receipt = serializers.CharField(
            allow_null=True, help_text="credit_records.deleted: the signed deletion receipt (compact JWS)."
        )

    @extend_schema(
        operation_id="enterprise_access_log",
        responses={200: OutputSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request, uscc: str):
        events = access_log_events(user=request.user, uscc=uscc)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(events, request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(access_log_rows(page), many=True).data)
