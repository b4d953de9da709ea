"""API of the legal representative check (API.md §Verification)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from connectors.services.identity import legal_representative_verify
from hub.api.schema import error_responses
from hub.errors import NotFound
from hub.selectors.verification import enterprise_registration
from hub.verification.serializers import VerificationOutputSerializer


class LegalRepresentativeCheckApi(APIView):
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=100)
        id_number = serializers.CharField(max_length=18, min_length=18)

    @extend_schema(
        operation_id="enterprise_verification_legal_representative",
        request=InputSerializer,
        responses={200: VerificationOutputSerializer, **error_responses(400, 401, 404, 409, 503)},
        description=(
            "A person of the enterprise checks the legal representative's name and resident ID number with the city "
            "platform; on a match the enterprise is verified and the caller becomes its legal representative. "
            "At most 5 checks per USCC in 24 hours (429 after)."
        ),
    )
    def post(self, request, uscc: str):
        enterprise = enterprise_registration(user=request.user, uscc=uscc)
        if enterprise is None or request.user.organization_id != enterprise.pk:
            raise NotFound(_("Enterprise not found."))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        verification = legal_representative_verify(actor=request.user, enterprise=enterprise, **data.validated_data)
        return Response(VerificationOutputSerializer(verification).data)
