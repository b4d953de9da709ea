"""How the API describes itself: the schema generator's naming rule, and the error
responses every operation declares (the format of hub.errors)."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class AutoSchema(SpectacularAutoSchema):
    def get_serializer_name(self, serializer, direction):
        """Name nested serializers after the API they belong to.

        APIs declare ``InputSerializer`` / ``OutputSerializer`` inside their class (STYLE.md);
        by plain class name they would all collide as one "Output" component. The qualified
        name turns ``TokenApi.OutputSerializer`` into ``TokenOutput``.
        """
        qualified = serializer.__class__.__qualname__
        if "." not in qualified:
            return super().get_serializer_name(serializer, direction)
        outer, inner = qualified.rsplit(".", 2)[-2:]
        return outer.removesuffix("Api") + inner


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    descriptions = {
        400: "Invalid input; `fields` names each field at fault.",
        401: "Not authenticated.",
        403: "Known object, but not allowed.",
        404: "Not found, or not visible to the caller.",
        409: "Conflict: duplicate, wrong state, or lost a race.",
        413: "Upload too large.",
        406: "The Accept header asks for a format the API does not serve (it serves JSON).",
        415: "Unsupported upload type.",
        429: "Throttled, or too many attempts; see Retry-After.",
        503: "A platform or identity source this needs did not answer; nothing was stored. Try again later.",
    }
    # Any operation may be throttled or asked for a format it cannot give.
    always = (406, 429)
    return {code: OpenApiResponse(ErrorSerializer, description=descriptions[code]) for code in (*statuses, *always)}
