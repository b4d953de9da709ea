"""Credit categories (DESIGN.md §5): the keys of consent scopes and of credit records.

Keys are stable API values; labels are translated. The shape of each category's record
data lives with the connectors (connectors/categories.py).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    REGISTRATION = "registration", _("Registration")  # 登记注册
    LICENSE = "license", _("Administrative licences")  # 行政许可
    PENALTY = "penalty", _("Administrative penalties")  # 行政处罚
    DISHONEST = "dishonest", _("Dishonest-debtor listings")  # 失信被执行人、严重失信主体名单
    JUDICIAL = "judicial", _("Court judgments and enforcement")  # 司法判决与执行
    HONOR = "honor", _("Honours")  # 荣誉表彰
    COMMITMENT = "commitment", _("Credit commitments")  # 信用承诺及履约
    TAX = "tax", _("Tax")  # 纳税
    SOCIAL_INSURANCE = "social_insurance", _("Social insurance")  # 社保缴纳
    HOUSING_FUND = "housing_fund", _("Housing fund")  # 公积金缴存
    UTILITIES = "utilities", _("Utilities")  # 水电气缴费
    CUSTOMS = "customs", _("Customs")  # 进出口
    REAL_ESTATE = "real_estate", _("Real estate")  # 不动产
    IP = "ip", _("Intellectual property")  # 知识产权
    RATING = "rating", _("Public credit rating")  # 公共信用综合评价


CATEGORY_LABELS = dict(Category.choices)


def category_labels(keys) -> list[str]:
    """The translated labels of category keys, for the pages (an unknown key as itself)."""
    return [str(CATEGORY_LABELS.get(key, key)) for key in keys or []]


PUBLIC = "public"
AUTHORIZED = "authorized"
CATEGORY_CLASS = {
    Category.REGISTRATION: PUBLIC,
    Category.LICENSE: PUBLIC,
    Category.PENALTY: PUBLIC,
    Category.DISHONEST: PUBLIC,
    Category.JUDICIAL: PUBLIC,
    Category.HONOR: PUBLIC,
    Category.COMMITMENT: PUBLIC,
    Category.TAX: AUTHORIZED,
    Category.SOCIAL_INSURANCE: AUTHORIZED,
    Category.HOUSING_FUND: AUTHORIZED,
    Category.UTILITIES: AUTHORIZED,
    Category.CUSTOMS: AUTHORIZED,
    Category.REAL_ESTATE: AUTHORIZED,
    Category.IP: PUBLIC,
    Category.RATING: AUTHORIZED,
}
ALL_CATEGORIES: tuple[str, ...] = tuple(Category.values)
