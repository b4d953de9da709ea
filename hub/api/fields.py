"""Fields the API shares: a region code, money and rates (bounds in hub.amounts, shared with
the pages), defined once."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from hub.amounts import MONEY, RATE
from hub.identifiers import REGION_CODE_REGEX, validate_region_code


@extend_schema_field({"type": "string", "pattern": REGION_CODE_REGEX, "example": "410100"})
class RegionCodeField(serializers.CharField):
    """A GB/T 2260 division code; the schema states the rule as a pattern."""

    def __init__(self, **kwargs):
        super().__init__(min_length=6, max_length=6, validators=[validate_region_code], **kwargs)


def region_code_field() -> serializers.CharField:
    return RegionCodeField()


def money_field(**kwargs) -> serializers.DecimalField:
    """An amount in yuan: a string with two decimals, at least 0.01."""
    return serializers.DecimalField(**MONEY, **kwargs)


def rate_field(**kwargs) -> serializers.DecimalField:
    """An annual rate in percent, 0 to 100, up to four decimals."""
    return serializers.DecimalField(**RATE, **kwargs)
