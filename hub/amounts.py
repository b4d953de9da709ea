"""Money and rates as the hub takes them (yuan with two decimals, never float; rates as an
annual percent with up to four decimals). Pages and the API read their bounds here, so a form
and an endpoint accept the same values."""

from decimal import Decimal

MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0.01")}
RATE = {"max_digits": 7, "decimal_places": 4, "min_value": Decimal("0"), "max_value": Decimal("100")}
