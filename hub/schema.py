"""OpenAPI generation tweaks."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema


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
