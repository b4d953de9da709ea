"""Generators of the public categories (registration, licences, penalties, dishonest-debtor
lists, judgments, honours, commitments, intellectual property): each yields (source id
suffix, occurred_on, data) for one enterprise's profile."""

from __future__ import annotations

import random
from datetime import date, timedelta

from connectors.simulator.subjects import (
    ANCHOR_DATE,
    COMMITMENT_TITLES,
    JUDICIAL_CAUSES,
    LICENCE_AUTHORITIES,
    PENALTY_AMOUNT_RANGES,
    PENALTY_AUTHORITIES,
    PUBLICITY_MONTHS,
    ROADS,
    Profile,
    add_months,
    recent_day,
    yuan,
)


def _registration(profile: Profile, rng: random.Random):
    capital_choices = (100_000, 500_000, 1_000_000, 2_000_000, 5_000_000, 10_000_000, 30_000_000, 50_000_000)
    capital = rng.choice(capital_choices[: 4 if profile.headcount < 20 else 6 if profile.headcount < 100 else 8])
    status = "active" if not profile.troubled or rng.random() < 0.8 else "revoked"
    address = (
        f"{profile.locality.full_place}{rng.choice(ROADS)}{rng.randint(1, 300)}号"
        f"{rng.randint(1, 12)}号楼{rng.randint(1, 26)}{rng.randint(1, 20):02d}室"
    )
    yield (
        "current",
        profile.established_on,
        {
            "name": profile.name,
            "legal_representative": profile.legal_representative,
            "registered_capital": yuan(capital),
            "established_on": profile.established_on.isoformat(),
            "status": status,
            "address": address,
        },
    )


def _license(profile: Profile, rng: random.Random):
    locality = profile.locality
    for number, licence_name in enumerate(profile.industry.licence_names[: rng.randint(1, 2)], start=1):
        valid_from = recent_day(rng, not_before=profile.established_on, within_days=6 * 365)
        # Most licences run five years; some are granted without an end (长期有效).
        valid_until = None if rng.random() < 0.1 else add_months(valid_from, 60) - timedelta(days=1)
        department, level = LICENCE_AUTHORITIES[licence_name]
        yield (
            f"{number}",
            valid_from,
            {
                "license_no": _licence_number(licence_name, profile, valid_from, rng.randint(1, 999_999)),
                "name": licence_name,
                "authority": locality.authority(department, level),
                "valid_from": valid_from.isoformat(),
                "valid_until": valid_until.isoformat() if valid_until else None,
            },
        )


def _licence_number(licence_name: str, profile: Profile, valid_from: date, serial: int) -> str:
    """Each kind of licence numbers its own way; these follow the published formats loosely."""
    locality = profile.locality
    if licence_name == "食品经营许可证":
        return f"JY1{locality.region_code}{serial:07d}"
    if licence_name == "食品生产许可证":
        return f"SC1{locality.region_code[:4]}{valid_from.year % 100:02d}{serial:07d}"
    if licence_name == "排污许可证":
        return f"{profile.uscc}{serial % 3 + 1:03d}V"
    if licence_name == "增值电信业务经营许可证":
        return f"{locality.abbreviation}B2-{valid_from.year}{serial % 10_000:04d}"
    if licence_name == "安全生产许可证":
        return f"（{locality.abbreviation}）JZ安许证字〔{valid_from.year}〕{serial:06d}"
    if licence_name == "道路运输经营许可证":
        return f"{locality.abbreviation}交运管许可{locality.short_city}字{locality.region_code}{serial:06d}号"
    return f"{locality.abbreviation}{locality.short_city}许字〔{valid_from.year}〕{serial:06d}号"


def _penalty(profile: Profile, rng: random.Random):
    count = rng.choices((0, 1, 2, 3), weights=(2, 3, 2, 3) if profile.troubled else (40, 35, 17, 8))[0]
    severity_weights = (20, 40, 40) if profile.troubled else (50, 38, 12)
    for number in range(1, count + 1):
        severity = rng.choices(("minor", "ordinary", "serious"), weights=severity_weights)[0]
        decided_on = recent_day(rng, not_before=profile.established_on, within_days=4 * 365)
        department = rng.choice(sorted(PENALTY_AUTHORITIES))
        level, short_form = PENALTY_AUTHORITIES[department]
        low, high = PENALTY_AMOUNT_RANGES[severity]
        yield (
            f"{decided_on.year}-{number}",
            decided_on,
            {
                "decision_no": f"{profile.locality.short_city[:1]}{short_form}罚〔{decided_on.year}〕{rng.randint(1, 999)}号",
                "authority": profile.locality.authority(department, level),
                "decided_on": decided_on.isoformat(),
                "severity": severity,
                "amount": yuan(rng.randint(low // 100, high // 100) * 100),
                "publicity_ends_on": add_months(decided_on, PUBLICITY_MONTHS[severity]).isoformat(),
                # Left unrepaired often enough that past-publicity penalties still need 信用修复.
                "repaired": rng.random() < 0.35,
            },
        )


def _dishonest(profile: Profile, rng: random.Random):
    if not profile.troubled:
        return
    listed_on = recent_day(rng, not_before=profile.established_on, within_days=3 * 365)
    removed_on = listed_on + timedelta(days=rng.randint(90, 540)) if rng.random() < 0.3 else None
    yield (
        f"{listed_on.year}-1",
        listed_on,
        {
            "case_no": f"（{listed_on.year}）{profile.locality.basic_court_code}执{rng.randint(100, 9999)}号",
            "court": profile.locality.basic_court,
            "listed_on": listed_on.isoformat(),
            "removed_on": removed_on.isoformat() if removed_on and removed_on <= ANCHOR_DATE else None,
        },
    )


def _judicial(profile: Profile, rng: random.Random):
    count = rng.choices((0, 1, 2, 3), weights=(0, 2, 4, 4) if profile.troubled else (45, 30, 15, 10))[0]
    for number in range(1, count + 1):
        filed_on = recent_day(rng, not_before=profile.established_on, within_days=4 * 365)
        role = rng.choices(
            ("plaintiff", "defendant", "third_party"), weights=(2, 5, 1) if profile.troubled else (5, 4, 1)
        )[0]
        amount = rng.randint(10_000, 3_000_000 if profile.headcount >= 20 else 500_000)
        appeal = amount > 1_000_000  # large claims are heard first by the intermediate court
        court_code = profile.locality.intermediate_court_code if appeal else profile.locality.basic_court_code
        yield (
            f"{filed_on.year}-{number}",
            filed_on,
            {
                "case_no": f"（{filed_on.year}）{court_code}民初{rng.randint(100, 19999)}号",
                "court": profile.locality.intermediate_court if appeal else profile.locality.basic_court,
                "role": role,
                "cause": rng.choice(JUDICIAL_CAUSES),
                "amount": yuan(amount),
                "status": "pending" if (ANCHOR_DATE - filed_on).days < 270 and rng.random() < 0.7 else "closed",
            },
        )


def _honor(profile: Profile, rng: random.Random):
    if profile.troubled:
        return
    locality = profile.locality
    candidates = [
        ("守合同重信用企业", locality.authority("市场监督管理局", "city")),
        ("纳税信用A级纳税人", locality.tax_bureau),
        ("劳动保障诚信示范单位", f"{locality.city}人力资源和社会保障局"),
        (
            "专精特新中小企业",
            f"{locality.province}工业和信息化厅"
            if locality.province != locality.city
            else f"{locality.city}经济和信息化委员会",
        ),
        ("科技型中小企业", f"{locality.city}科学技术局"),
    ]
    count = rng.choices((0, 1, 2, 3), weights=(35, 35, 20, 10))[0]
    for number, (title, authority) in enumerate(rng.sample(candidates, count), start=1):
        awarded_on = recent_day(rng, not_before=profile.established_on, within_days=5 * 365)
        yield (
            f"{awarded_on.year}-{number}",
            awarded_on,
            {"title": title, "authority": authority, "awarded_on": awarded_on.isoformat()},
        )


def _commitment(profile: Profile, rng: random.Random):
    for number, title in enumerate(rng.sample(COMMITMENT_TITLES, rng.randint(1, 3)), start=1):
        committed_on = recent_day(rng, not_before=profile.established_on, within_days=3 * 365)
        yield (
            f"{committed_on.year}-{number}",
            committed_on,
            {
                "title": title,
                "committed_on": committed_on.isoformat(),
                "fulfilled": rng.random() < (0.5 if profile.troubled else 0.95),
            },
        )


def _ip(profile: Profile, rng: random.Random):
    for number in range(1, rng.choices((0, 1, 2, 3, 4, 5), weights=(30, 20, 20, 15, 10, 5))[0] + 1):
        kind = rng.choices(("patent", "trademark", "copyright"), weights=(4, 3, 3))[0]
        granted_on = recent_day(rng, not_before=profile.established_on, within_days=8 * 365)
        if kind == "patent":
            patent_type = rng.choice((1, 2, 2, 3))  # 发明, 实用新型, 外观设计
            digits = f"{granted_on.year - 1}{patent_type}{rng.randint(0, 9_999_999):07d}"
            identifier = f"ZL{digits}.{_patent_check_character(digits)}"
            subject = rng.choice(profile.industry.patent_subjects)
            title = f"{profile.trade_name}包装盒" if patent_type == 3 else f"一种{subject}"
        elif kind == "trademark":
            identifier, title = f"{rng.randint(10_000_000, 79_999_999)}", profile.trade_name
        else:
            identifier = f"{granted_on.year}SR{rng.randint(1, 1_999_999):07d}"
            title = f"{profile.trade_name}{rng.choice(('进销存管理系统', '智能排产软件', '客户服务平台'))}V{rng.randint(1, 3)}.0"
        yield (
            f"{kind}-{number}",
            granted_on,
            {
                "kind": kind,
                "number": identifier,
                "title": title,
                "granted_on": granted_on.isoformat(),
            },
        )


def _patent_check_character(digits: str) -> str:
    """The check character of a Chinese patent application number (twelve digits)."""
    weights = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
    remainder = sum(int(digit) * weight for digit, weight in zip(digits, weights, strict=True)) % 11
    return "X" if remainder == 10 else str(remainder)


PUBLIC_GENERATORS = {
    "registration": _registration,
    "license": _license,
    "penalty": _penalty,
    "dishonest": _dishonest,
    "judicial": _judicial,
    "honor": _honor,
    "commitment": _commitment,
    "ip": _ip,
}
