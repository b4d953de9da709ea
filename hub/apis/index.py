"""The API's root: where everything is, for a client (or a person) arriving at /api/v1/."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.schema import error_responses

# Resource name → URL name of its list (or entry point).
RESOURCES = {
    "token": "api-token",
    "me": "api-me",
    "enterprises": "api-enterprises",
    "organizations": "api-organizations",
    "authorizations": "api-authorizations",
    "keys": "api-hub-keys",
    "notifications": "api-notifications",
    "connectors": "api-connectors",
    "credit_pulls": "api-credit-pulls",
    "credit_reports": "api-credit-reports",
    "products": "api-products",
    "recommendations": "api-recommendations",
    "applications": "api-applications",
    "matches": "api-matches",
    "matchmaking_events": "api-events",
    "lending_statistics": "api-stats-lending",
    "matching_statistics": "api-stats-matching",
    "policies": "api-policies",
    "whitelists": "api-whitelists",
    "whitelist_memberships": "api-whitelist-memberships",
    "verification_reviews": "api-verification-reviews",
}


class ApiIndexApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    class OutputSerializer(serializers.Serializer):
        name = serializers.CharField()
        version = serializers.CharField()
        schema = serializers.URLField()
        docs = serializers.URLField()
        resources = serializers.DictField(child=serializers.URLField())

    @extend_schema(operation_id="api_index", auth=[], responses={200: OutputSerializer, **error_responses()})
    def get(self, request):
        """Links to the schema, the interactive docs and every resource."""
        link = request.build_absolute_uri
        return Response(
            {
                "name": "xinyidai-hub",
                "version": "v1",
                "schema": link(reverse("api-schema")),
                "docs": link(reverse("api-docs")),
                "resources": {name: link(reverse(url_name)) for name, url_name in RESOURCES.items()},
            }
        )
