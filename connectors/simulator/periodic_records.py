"""Generators of the periodic and authorized categories (tax, social insurance, housing fund,
utilities, customs, real estate, rating): each yields (source id suffix, occurred_on, data)
for one enterprise's profile."""

from __future__ import annotations

import random

from connectors.simulator.subjects import Profile, recent_day, recent_months, recent_quarters, yuan


def _tax(profile: Profile, rng: random.Random):
    # The 纳税信用等级 is set once a year, so every quarter of a year shares its grade.
    grade_weights = (5, 15, 5, 45, 30) if profile.troubled else (40, 45, 8, 5, 2)
    grades_by_year = {}
    quarterly_base = profile.headcount * rng.uniform(2_500, 12_000)
    for period, quarter_end in recent_quarters(rng.randint(8, 16)):
        grade = grades_by_year.setdefault(
            quarter_end.year, rng.choices(("A", "B", "M", "C", "D"), weights=grade_weights)[0]
        )
        in_arrears = rng.random() < (0.5 if grade in ("C", "D") else 0.02)
        yield (
            period,
            quarter_end,
            {
                "period": period,
                "tax_paid": yuan(quarterly_base * rng.uniform(0.7, 1.3)),
                "arrears": yuan(quarterly_base * rng.uniform(0.05, 0.4) if in_arrears else 0),
                "grade": grade,
            },
        )


def _payroll_months(
    profile: Profile, rng: random.Random, *, headcount_share: float, monthly_per_person: float, headcount_field: str
):
    headcount = max(1, round(profile.headcount * headcount_share))
    for period, month_end in recent_months(24):
        headcount = max(1, headcount + rng.choice((-1, 0, 0, 0, 1)))
        in_arrears = rng.random() < (0.25 if profile.troubled else 0.01)
        yield (
            period,
            month_end,
            {
                "period": period,
                headcount_field: headcount,
                "arrears": yuan(headcount * monthly_per_person * rng.uniform(0.5, 1.0) if in_arrears else 0),
            },
        )


def _social_insurance(profile: Profile, rng: random.Random):
    yield from _payroll_months(
        profile, rng, headcount_share=1.0, monthly_per_person=1_200, headcount_field="insured_headcount"
    )


def _housing_fund(profile: Profile, rng: random.Random):
    share = rng.uniform(0.5, 0.9)
    yield from _payroll_months(
        profile, rng, headcount_share=share, monthly_per_person=600, headcount_field="depositor_headcount"
    )


def _utilities(profile: Profile, rng: random.Random):
    kinds = {"electricity": 450.0, "water": 60.0}
    if profile.industry.uses_gas:
        kinds["gas"] = 180.0
    for kind, monthly_per_person in kinds.items():
        for period, month_end in recent_months(12):
            late = rng.random() < (0.3 if profile.troubled else 0.04)
            yield (
                f"{kind}-{period}",
                month_end,
                {
                    "period": period,
                    "kind": kind,
                    "amount_paid": yuan(profile.headcount * monthly_per_person * rng.uniform(0.6, 1.4)),
                    "overdue_days": rng.randint(5, 90) if late else 0,
                },
            )


def _customs(profile: Profile, rng: random.Random):
    if not profile.trades_abroad:
        return
    grade = "失信企业" if profile.troubled else rng.choices(("高级认证企业", "常规管理企业"), weights=(15, 85))[0]
    scale = profile.headcount * rng.uniform(20_000, 80_000)
    for period, quarter_end in recent_quarters(8):
        yield (
            period,
            quarter_end,
            {
                "period": period,
                "import_amount": yuan(scale * rng.uniform(0.0, 0.6)),
                "export_amount": yuan(scale * rng.uniform(0.4, 1.2)),
                "credit_grade": grade,
            },
        )


def _real_estate(profile: Profile, rng: random.Random):
    locality = profile.locality
    for number in range(1, rng.choices((0, 1, 2), weights=(50, 35, 15))[0] + 1):
        registered_on = recent_day(rng, not_before=profile.established_on, within_days=10 * 365)
        yield (
            f"{number}",
            registered_on,
            {
                "certificate_no": (
                    f"{locality.abbreviation}（{registered_on.year}）{locality.city}不动产权第{rng.randint(1, 9_999_999):07d}号"
                ),
                "area_sqm": f"{rng.uniform(60, 3_000):.2f}",
                "mortgaged": rng.random() < 0.5,
                "registered_on": registered_on.isoformat(),  # an extra field: the protocol keeps those
            },
        )


def _rating(profile: Profile, rng: random.Random):
    score = rng.randint(380, 640) if profile.troubled else rng.randint(640, 980)
    grade = "A" if score >= 850 else "B" if score >= 700 else "C" if score >= 550 else "D"
    evaluated_on = recent_day(rng, not_before=profile.established_on, within_days=180)
    yield (
        f"{evaluated_on.year}",
        evaluated_on,
        {"grade": grade, "score": score, "evaluated_on": evaluated_on.isoformat()},
    )


PERIODIC_GENERATORS = {
    "tax": _tax,
    "social_insurance": _social_insurance,
    "housing_fund": _housing_fund,
    "utilities": _utilities,
    "customs": _customs,
    "real_estate": _real_estate,
    "rating": _rating,
}
