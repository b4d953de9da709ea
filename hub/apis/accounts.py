"""API of accounts: tokens, the caller, enterprises registering, organizations and their people."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.base import PaginatedAPIView
from hub.api.fields import region_code_field
from hub.api.schema import error_responses
from hub.errors import Forbidden
from hub.models import Organization, User
from hub.selectors.organizations import enterprise_get, members_of, organization_get, organizations_visible_to
from hub.services.organizations import enterprise_register, member_add, organization_create
from hub.services.tokens import api_token_issue, api_token_revoke

# --- shared input ----------------------------------------------------------------------------


class AdminInputSerializer(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]+\Z", max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


# --- tokens -----------------------------------------------------------------------------------


class TokenApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=128, trim_whitespace=False)

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()
        expires_at = serializers.DateTimeField()

    @extend_schema(
        operation_id="auth_token_create",
        request=InputSerializer,
        responses={200: OutputSerializer, **error_responses(400, 401)},
        auth=[],
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, record = api_token_issue(**data.validated_data, request=request._request)
        return Response(self.OutputSerializer({"token": token, "expires_at": record.expires_at}).data)


class TokenRevokeApi(APIView):
    class OutputSerializer(serializers.Serializer):
        revoked_at = serializers.DateTimeField()

    @extend_schema(
        operation_id="auth_token_revoke", request=None, responses={200: OutputSerializer, **error_responses(401)}
    )
    def post(self, request):
        if request.auth is None:
            raise Forbidden(_("Only a bearer token can revoke itself; log out to end a session."))
        token = api_token_revoke(user=request.user, token=request.auth)
        return Response(self.OutputSerializer(token).data)


# --- the caller -----------------------------------------------------------------------------------


class MemberOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "role", "organization", "date_joined", "is_active"]


class MeApi(APIView):
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        username = serializers.CharField()
        role = serializers.CharField()
        is_operator = serializers.BooleanField()
        organization = inline_serializer(
            "MeOrganization",
            {
                "id": serializers.IntegerField(),
                "kind": serializers.CharField(),
                "code": serializers.CharField(),
                "name": serializers.CharField(),
                "region_code": serializers.CharField(),
            },
            allow_null=True,
        )

    @extend_schema(operation_id="me_retrieve", responses={200: OutputSerializer, **error_responses(401)})
    def get(self, request):
        user = request.user
        return Response(
            self.OutputSerializer(
                {
                    "id": user.pk,
                    "username": user.username,
                    "role": user.role,
                    "is_operator": user.is_operator,
                    "organization": user.organization,
                }
            ).data
        )


# --- enterprises --------------------------------------------------------------------------------


class EnterpriseOutputSerializer(serializers.ModelSerializer):
    uscc = serializers.CharField(source="code")

    class Meta:
        model = Organization
        fields = ["uscc", "name", "region_code", "industry_code", "scale", "created_at"]


class EnterpriseCreateApi(APIView):
    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        uscc = serializers.CharField(max_length=18, min_length=18)
        name = serializers.CharField(max_length=200)
        region_code = region_code_field()
        industry_code = serializers.RegexField(r"^[A-T](\d{2,4})?\Z", max_length=5)
        scale = serializers.ChoiceField(choices=Organization.Scale.choices)
        contact_phone = serializers.RegexField(r"^\+?[\d-]{6,20}\Z", required=False, default="", allow_blank=True)
        admin = AdminInputSerializer()

    @extend_schema(
        operation_id="enterprises_create",
        request=InputSerializer,
        responses={201: EnterpriseOutputSerializer, **error_responses(400, 409)},
        auth=[],
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        admin = values.pop("admin")
        enterprise = enterprise_register(**values, admin_username=admin["username"], admin_password=admin["password"])
        return Response(EnterpriseOutputSerializer(enterprise).data, status=status.HTTP_201_CREATED)


class EnterpriseDetailApi(APIView):
    @extend_schema(
        operation_id="enterprises_retrieve", responses={200: EnterpriseOutputSerializer, **error_responses(401, 404)}
    )
    def get(self, request, uscc: str):
        return Response(EnterpriseOutputSerializer(enterprise_get(user=request.user, uscc=uscc)).data)


# --- organizations --------------------------------------------------------------------------------


class OrganizationOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "kind", "code", "name", "region_code", "is_active", "created_at"]


class OrganizationListCreateApi(PaginatedAPIView):
    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(
            choices=[Organization.Kind.BANK, Organization.Kind.REGULATOR, Organization.Kind.PLATFORM]
        )
        code = serializers.RegexField(r"^[A-Za-z0-9_-]+\Z", max_length=32)
        name = serializers.CharField(max_length=200)
        region_code = region_code_field()
        admin = AdminInputSerializer()

    @extend_schema(
        operation_id="organizations_list",
        responses={200: OrganizationOutputSerializer(many=True), **error_responses(400, 401)},
    )
    def get(self, request):
        return self.paginate(organizations_visible_to(request.user), OrganizationOutputSerializer)

    @extend_schema(
        operation_id="organizations_create",
        request=InputSerializer,
        responses={201: OrganizationOutputSerializer, **error_responses(400, 401, 403, 409)},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        admin = values.pop("admin")
        organization = organization_create(
            actor=request.user, **values, admin_username=admin["username"], admin_password=admin["password"]
        )
        return Response(OrganizationOutputSerializer(organization).data, status=status.HTTP_201_CREATED)


class OrganizationDetailApi(APIView):
    @extend_schema(
        operation_id="organizations_retrieve",
        responses={200: OrganizationOutputSerializer, **error_responses(401, 404)},
    )
    def get(self, request, organization_id: int):
        return Response(
            OrganizationOutputSerializer(organization_get(user=request.user, organization_id=organization_id)).data
        )


class MemberListCreateApi(PaginatedAPIView):
    class InputSerializer(serializers.Serializer):
        username = serializers.RegexField(r"^[\w.@+-]+\Z", max_length=150)
        password = serializers.CharField(max_length=128, trim_whitespace=False)
        role = serializers.ChoiceField(choices=User.Role.choices, default=User.Role.STAFF)

    @extend_schema(
        operation_id="organization_members_list",
        responses={200: MemberOutputSerializer(many=True), **error_responses(400, 401, 404)},
    )
    def get(self, request, organization_id: int):
        return self.paginate(members_of(user=request.user, organization_id=organization_id), MemberOutputSerializer)

    @extend_schema(
        operation_id="organization_members_create",
        request=InputSerializer,
        responses={201: MemberOutputSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, organization_id: int):
        organization = organization_get(user=request.user, organization_id=organization_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = member_add(actor=request.user, organization=organization, **data.validated_data)
        return Response(MemberOutputSerializer(member).data, status=status.HTTP_201_CREATED)
