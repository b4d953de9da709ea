"""Fields the API shares: a region code, money and rates (API.md: money in yuan with two
decimals, rates as annual percent with up to four), defined once."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from hub.identifiers import REGION_CODE_REGEX, validate_region_code


@extend_schema_field({"type": "string", "pattern": REGION_CODE_REGEX, "example": "410100"})
class RegionCodeField(serializers.CharField):
    """A GB/T 2260 division code; the schema states the rule as a pattern."""

    def __init__(self, **kwargs):
        super().__init__(min_length=6, max_length=6, validators=[validate_region_code], **kwargs)


def region_code_field() -> serializers.CharField:
    return RegionCodeField()
