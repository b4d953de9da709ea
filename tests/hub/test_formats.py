"""Money reads as Chinese finance pages write it."""

import pytest
from django.utils import translation

from hub.web.formats import money


@pytest.mark.parametrize(
    "value, chinese, english",
    [
        ("600000.00", "60万元", "600,000.00 yuan"),
        ("1234567.89", "123.46万元", "1,234,567.89 yuan"),
        ("10000", "1万元", "10,000.00 yuan"),
        ("9999.50", "9,999.50元", "9,999.50 yuan"),
        (None, "—", "—"),
    ],
)
def test_money_in_each_language(value, chinese, english):
    with translation.override("zh-hans"):
        assert money(value) == chinese
    with translation.override("en"):
        assert money(value) == english
