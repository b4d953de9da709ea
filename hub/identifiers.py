"""National identifiers: the unified social credit code and administrative division codes.

统一社会信用代码 (USCC), GB 32100-2015: 18 characters —

====  =====================================================================
1     registration authority (登记管理部门代码), e.g. ``9`` 工商 (market regulation)
2     entity type within that authority (机构类别代码), e.g. ``1`` 企业
3–8   the registering authority's six-digit administrative division code (GB/T 2260)
9–17  the organization code (组织机构代码, GB 11714), whose 9th character is its own check
18    the check character over characters 1–17
====  =====================================================================

The validators raise ``ValidationError`` whose message says which part failed, so that a
person typing a code (or a whitelist import's error report) learns what to fix.
"""

from __future__ import annotations

import operator
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
ORG_CODE_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
# Lookup tables: whitelist imports check a million codes, so these run in tight loops.
_USCC_VALUE = {char: index for index, char in enumerate(USCC_ALPHABET)}
_BASE36_VALUE = {char: int(char, 36) for char in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
_USCC_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")

# Registration authority → the entity types it may register (GB 32100-2015, appendix A).
USCC_AUTHORITIES: dict[str, set[str]] = {
    "1": {"1", "2", "3", "9"},  # 机构编制
    "2": {"1", "9"},  # 外交
    "3": {"1", "2", "3", "4", "5", "9"},  # 司法行政
    "4": {"1", "9"},  # 文化
    "5": {"1", "2", "3", "9"},  # 民政
    "6": {"1", "2", "9"},  # 旅游
    "7": {"1", "2", "9"},  # 宗教
    "8": {"1", "9"},  # 工会
    "9": {"1", "2", "3"},  # 工商 / 市场监管: 企业, 个体工商户, 农民专业合作社
    "A": {"1", "9"},  # 中央军委改革和编制办公室
    "N": {"1", "2", "3", "9"},  # 农业
    "Y": {"1"},  # 其他
}

# Province-level prefixes of GB/T 2260 (the first two digits of every division code).
PROVINCES: dict[str, str] = {
    "11": "北京市",
    "12": "天津市",
    "13": "河北省",
    "14": "山西省",
    "15": "内蒙古自治区",
    "21": "辽宁省",
    "22": "吉林省",
    "23": "黑龙江省",
    "31": "上海市",
    "32": "江苏省",
    "33": "浙江省",
    "34": "安徽省",
    "35": "福建省",
    "36": "江西省",
    "37": "山东省",
    "41": "河南省",
    "42": "湖北省",
    "43": "湖南省",
    "44": "广东省",
    "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市",
    "51": "四川省",
    "52": "贵州省",
    "53": "云南省",
    "54": "西藏自治区",
    "61": "陕西省",
    "62": "甘肃省",
    "63": "青海省",
    "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
    "71": "台湾省",
    "81": "香港特别行政区",
    "82": "澳门特别行政区",
}

# Names for the divisions the demo and the reference simulator use; any valid code is accepted.
KNOWN_DIVISIONS: dict[str, str] = {
    "410000": "河南省",
    "410100": "郑州市",
    "410102": "中原区",
    "410105": "金水区",
    "410200": "开封市",
    "410300": "洛阳市",
    "410400": "平顶山市",
    "410500": "安阳市",
    "410600": "鹤壁市",
    "410700": "新乡市",
    "410800": "焦作市",
    "410900": "濮阳市",
    "411000": "许昌市",
    "411100": "漯河市",
    "411200": "三门峡市",
    "411300": "南阳市",
    "411400": "商丘市",
    "411500": "信阳市",
    "411600": "周口市",
    "411700": "驻马店市",
    "419001": "济源市",
}

# Six digits starting with a province prefix: the same rule as a regular expression, so the
# API schema can state it.
REGION_CODE_REGEX = r"^(?:" + "|".join(PROVINCES) + r")\d{4}$"
# GB/T 2260's code of the whole country: the region characters of codes that central
# authorities register (the national banks' 91100000…, say). No organization is *in* it, so it
# is no region code an organization can name.
NATIONAL_REGISTRATION = "100000"
_REGION_PATTERN = re.compile(r"^\d{6}$")


class Messages:
    """Error messages as constants, so tests assert on exactly what users read."""

    REGION_FORMAT = _("Region code must be six digits (GB/T 2260), e.g. 410100.")
    REGION_PROVINCE = _("Region code %(code)s does not start with a known province code.")
    USCC_LENGTH = _("A unified social credit code has 18 characters; this one has %(length)d.")
    USCC_CHARACTERS = _(
        "A unified social credit code uses digits and capital letters except I, O, S, V, Z; %(chars)s is not allowed."
    )
    USCC_AUTHORITY = _("Character 1 (registration authority) %(char)s is not a valid authority code.")
    USCC_ENTITY_TYPE = _("Character 2 (entity type) %(char)s is not valid for registration authority %(authority)s.")
    USCC_REGION = _("Characters 3–8 (region code) %(region)s are not a valid administrative division code.")
    USCC_ORG_CODE = _(
        "Characters 9–17 (organization code) %(code)s fail the GB 11714 check: the 17th character should be %(expected)s."
    )
    USCC_CHECK = _("The check character (18th) should be %(expected)s, not %(actual)s.")


def region_code_error(code: str) -> str | None:
    if not isinstance(code, str) or not _REGION_PATTERN.match(code):
        return str(Messages.REGION_FORMAT)
    if code[:2] not in PROVINCES:
        return str(Messages.REGION_PROVINCE % {"code": code})
    return None


def validate_region_code(code: str) -> None:
    """Six digits with the prefix of a real province (GB/T 2260)."""
    error = region_code_error(code)
    if error:
        raise ValidationError(error, code="invalid_region_code")


def region_ancestors(code: str) -> list[str]:
    """The code itself and the province- and city-level codes above it, nearest first.

    ``410102`` → ``["410102", "410100", "410000"]``: what covers a district.
    """
    candidates = [code, code[:4] + "00", code[:2] + "0000"]
    return list(dict.fromkeys(candidates))


def region_covers(serving_codes, region_code: str) -> bool:
    """Whether one of ``serving_codes`` is ``region_code`` or an area containing it."""
    return bool(set(serving_codes) & set(region_ancestors(region_code)))


def region_prefix(code: str) -> str:
    """The prefix every code inside ``code``'s area shares: 410000 → "41", 410100 → "4101",
    410105 → "410105" — for ``startswith`` filters over a regulator's area."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def child_level_length(code: str) -> int:
    """How many leading digits name the level below ``code``: a province's cities (4
    digits), a city's districts (all 6)."""
    return 4 if code.endswith("0000") else 6


def region_name(code: str) -> str:
    if code == NATIONAL_REGISTRATION:
        return str(_("Nationwide (central registration)"))
    return KNOWN_DIVISIONS.get(code) or PROVINCES.get(code[:2], "") + (f" {code}" if not code.endswith("0000") else "")


def uscc_check_character(first_seventeen: str) -> str:
    total = sum(map(operator.mul, map(_USCC_VALUE.__getitem__, first_seventeen), USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def organization_code_check_character(body: str) -> str:
    """GB 11714's check for the first eight characters of an organization code."""
    total = sum(map(operator.mul, map(_BASE36_VALUE.__getitem__, body), ORG_CODE_WEIGHTS))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


def uscc_errors(value: str) -> list[str]:
    """Every reason ``value`` is not a valid USCC, most basic first (empty when valid)."""
    if not isinstance(value, str):
        return [str(Messages.USCC_LENGTH % {"length": 0})]
    if (
        _USCC_SHAPE.fullmatch(value)
        and value[0] in USCC_AUTHORITIES
        and value[1] in USCC_AUTHORITIES[value[0]]
        and (value[2:4] in PROVINCES or value[2:8] == NATIONAL_REGISTRATION)
        and value[2:8].isdigit()
        and value[16] == organization_code_check_character(value[8:16])
        and value[17] == uscc_check_character(value[:17])
    ):
        return []  # the common case, decided without building any message
    if len(value) != 18:
        return [str(Messages.USCC_LENGTH % {"length": len(value)})]
    bad = sorted({char for char in value if char not in USCC_ALPHABET})
    if bad:
        return [str(Messages.USCC_CHARACTERS % {"chars": "".join(bad)})]
    errors = []
    authority, entity_type, region, org_code = value[0], value[1], value[2:8], value[8:17]
    if authority not in USCC_AUTHORITIES:
        errors.append(str(Messages.USCC_AUTHORITY % {"char": authority}))
    elif entity_type not in USCC_AUTHORITIES[authority]:
        errors.append(str(Messages.USCC_ENTITY_TYPE % {"char": entity_type, "authority": authority}))
    if region != NATIONAL_REGISTRATION and region_code_error(region):
        errors.append(str(Messages.USCC_REGION % {"region": region}))
    # The organization code's body uses digits and capital letters; its check may be X.
    expected_org_check = organization_code_check_character(org_code[:8])
    if org_code[8] != expected_org_check:
        errors.append(str(Messages.USCC_ORG_CODE % {"code": org_code, "expected": expected_org_check}))
    expected = uscc_check_character(value[:17])
    if value[17] != expected:
        errors.append(str(Messages.USCC_CHECK % {"expected": expected, "actual": value[17]}))
    return errors


def validate_uscc(value: str) -> None:
    errors = uscc_errors(value)
    if errors:
        raise ValidationError(errors, code="invalid_uscc")


def make_uscc(*, region_code: str, serial: int, authority: str = "9", entity_type: str = "1") -> str:
    """A structurally valid USCC for demo data, generators and tests."""
    body = f"MA{serial:06d}"[-8:] if serial < 10**6 else f"{serial:08d}"[-8:]
    org_code = body + organization_code_check_character(body)
    first = f"{authority}{entity_type}{region_code}{org_code}"
    return first + uscc_check_character(first)


# 居民身份证号码, GB 11643-1999: 6 digits of the issuing division, 8 of the birth date, 3 of a
# sequence (odd for men), and an ISO 7064 MOD 11-2 check character (0–9 or X).
RESIDENT_ID_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
RESIDENT_ID_CHECK = "10X98765432"
_RESIDENT_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")


def resident_id_check_character(first_seventeen: str) -> str:
    return RESIDENT_ID_CHECK[
        sum(int(char) * weight for char, weight in zip(first_seventeen, RESIDENT_ID_WEIGHTS, strict=True)) % 11
    ]


def resident_id_error(value: str) -> str | None:
    """Why ``value`` is not an 18-character resident ID number, or None. Checked locally
    before anyone is asked, so a typo never costs a verification attempt."""
    if not isinstance(value, str) or not _RESIDENT_ID_SHAPE.match(value):
        return str(_("A resident ID number has 17 digits followed by a digit or X."))
    if resident_id_check_character(value[:17]) != value[17]:
        return str(_("The check digit of this resident ID number is wrong; please check the number."))
    return None


def make_resident_id(*, region_code: str, birth_date: str, sequence: int) -> str:
    """A resident ID number with a valid check digit (``birth_date`` as YYYYMMDD)."""
    body = f"{region_code}{birth_date}{sequence:03d}"
    return body + resident_id_check_character(body)
