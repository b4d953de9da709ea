"""Declarative eligibility rules of loan products, evaluated for one enterprise.

A product's ``eligibility`` is a JSON object of rules, e.g.::

    {"scales": ["micro", "small"], "industries": ["C", "I65"], "min_years_established": 2,
     "whitelist_required": true, "min_tax_grade": "B", "no_dishonest": true,
     "max_unrepaired_serious_penalties": 0}

Each rule is shown to the enterprise as passed, failed or unknown — unknown when the hub
holds no data to decide it (the category was never authorized or pulled) — so it sees why
a product fits or not. Facts that other apps know (whitelist membership) come from
providers those apps register, so lending does not import them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.models import Organization

PASSED, FAILED, UNKNOWN = "passed", "failed", "unknown"
TAX_GRADES = ["A", "B", "M", "C", "D"]  # best first
SCALES = ["micro", "small", "medium", "large"]

# rule key → (type check, description)
RULE_TYPES: dict[str, type | tuple] = {
    "scales": list,
    "industries": list,
    "min_years_established": int,
    "whitelist_required": bool,
    "min_tax_grade": str,
    "no_dishonest": bool,
    "max_unrepaired_serious_penalties": int,
}

_fact_providers: dict[str, Callable] = {}


def register_fact_provider(name: str, provider: Callable) -> None:
    """Another app teaches eligibility a fact: ``provider(enterprise) -> value or None``."""
    _fact_providers[name] = provider


def provided_fact(name: str, enterprise):
    """A fact another app provides, or None when no app provides it."""
    provider = _fact_providers.get(name)
    return provider(enterprise) if provider else None


def rules_errors(rules) -> list[str]:
    """Why a product's eligibility object is malformed (empty when it is fine)."""
    if not isinstance(rules, dict):
        return ["eligibility must be an object"]
    errors = []
    for key, value in rules.items():
        expected = RULE_TYPES.get(key)
        if expected is None:
            errors.append(f"unknown rule {key!r}; known: {', '.join(RULE_TYPES)}")
        elif expected is int and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            errors.append(f"{key} must be a whole number of at least 0")
        elif not isinstance(value, expected):
            errors.append(f"{key} must be a {expected.__name__}")
        elif key == "scales" and not all(isinstance(item, str) and item in SCALES for item in value):
            errors.append(f"scales must be among {', '.join(SCALES)}")
        elif key == "industries" and not all(isinstance(item, str) and item for item in value):
            errors.append("industries must be GB/T 4754 code prefixes such as C or I65")
        elif key == "min_tax_grade" and value not in TAX_GRADES:
            errors.append(f"min_tax_grade must be one of {', '.join(TAX_GRADES)}")
    return errors


@dataclass(frozen=True)
class RuleResult:
    rule: str
    result: str
    detail: str


@dataclass
class EnterpriseFacts:
    """What the hub knows about an enterprise that rules ask about (None: not known)."""

    scale: str
    industry_code: str
    established_on: date | None
    latest_tax_grade: str | None
    dishonest_listed_now: bool | None
    unrepaired_serious_penalties: int | None
    whitelisted: bool | None


def enterprise_facts(enterprise) -> EnterpriseFacts:
    from connectors.selectors.profiles import NOT_FETCHED, category_bases, profile_records

    categories = ["registration", "tax", "dishonest", "penalty"]
    grouped = profile_records(enterprise_id=enterprise.pk, categories=categories)
    bases = category_bases(enterprise_id=enterprise.pk, categories=categories, grouped=grouped)
    # A category some platform answered empty is known to hold nothing ([]); one never
    # fetched is unknown (None), and rules over it stay unknown.
    records: dict[str, list[dict] | None] = {
        category: None if bases[category] == NOT_FETCHED else [record.data for record in grouped.get(category, [])]
        for category in categories
    }
    registration = records.get("registration")
    established = None
    if registration:
        try:
            established = date.fromisoformat(registration[0].get("established_on", ""))
        except ValueError:
            established = None
    tax = records.get("tax")
    latest_tax = max(tax, key=lambda data: data.get("period", ""))["grade"] if tax else None
    dishonest = records.get("dishonest")
    penalties = records.get("penalty")
    whitelisted = provided_fact("whitelisted", enterprise)
    return EnterpriseFacts(
        scale=enterprise.scale,
        industry_code=enterprise.industry_code,
        established_on=established,
        latest_tax_grade=latest_tax,
        dishonest_listed_now=any(data.get("removed_on") is None for data in dishonest)
        if dishonest is not None
        else None,
        unrepaired_serious_penalties=(
            sum(1 for data in penalties if data.get("severity") == "serious" and not data.get("repaired"))
            if penalties is not None
            else None
        ),
        whitelisted=whitelisted,
    )


def _scale_label(code: str) -> str:
    """A scale as a word (小型, not small); an unknown one as it is."""
    return str(dict(Organization.Scale.choices).get(code, code or "?"))


def evaluate(rules: dict, facts: EnterpriseFacts, *, today: date | None = None) -> list[RuleResult]:
    today = today or timezone.localdate()
    results = []
    for rule, value in rules.items():
        if rule == "scales":
            ok = facts.scale in value
            results.append(
                RuleResult(
                    rule,
                    PASSED if ok else FAILED,
                    _("Scale %(scale)s; the product takes %(allowed)s.")
                    % {"scale": _scale_label(facts.scale), "allowed": "、".join(map(_scale_label, value))},
                )
            )
        elif rule == "industries":
            ok = any(facts.industry_code.startswith(prefix) for prefix in value)
            results.append(
                RuleResult(
                    rule,
                    PASSED if ok else FAILED,
                    _("Industry %(code)s; the product takes %(allowed)s.")
                    % {"code": facts.industry_code or "?", "allowed": ", ".join(value)},
                )
            )
        elif rule == "min_years_established":
            if facts.established_on is None:
                results.append(RuleResult(rule, UNKNOWN, _("No registration record is available.")))
            else:
                years = (today - facts.established_on).days // 365
                results.append(
                    RuleResult(
                        rule,
                        PASSED if years >= value else FAILED,
                        _("Established %(years)d years ago; at least %(min)d needed.") % {"years": years, "min": value},
                    )
                )
        elif rule == "whitelist_required":
            if not value:
                results.append(RuleResult(rule, PASSED, _("No whitelist needed.")))
            elif facts.whitelisted is None:
                results.append(RuleResult(rule, UNKNOWN, _("Whitelist membership is not known.")))
            else:
                results.append(
                    RuleResult(
                        rule,
                        PASSED if facts.whitelisted else FAILED,
                        _("On a published whitelist.") if facts.whitelisted else _("Not on a published whitelist."),
                    )
                )
        elif rule == "min_tax_grade":
            if facts.latest_tax_grade not in TAX_GRADES:
                results.append(RuleResult(rule, UNKNOWN, _("No tax record is available.")))
            else:
                ok = TAX_GRADES.index(facts.latest_tax_grade) <= TAX_GRADES.index(value)
                results.append(
                    RuleResult(
                        rule,
                        PASSED if ok else FAILED,
                        _("Tax grade %(grade)s; at least %(min)s needed.")
                        % {"grade": facts.latest_tax_grade, "min": value},
                    )
                )
        elif rule == "no_dishonest":
            if not value:
                results.append(RuleResult(rule, PASSED, _("Not required.")))
            elif facts.dishonest_listed_now is None:
                results.append(RuleResult(rule, UNKNOWN, _("No dishonest-debtor record is available.")))
            else:
                results.append(
                    RuleResult(
                        rule,
                        FAILED if facts.dishonest_listed_now else PASSED,
                        _("Listed as a dishonest debtor.")
                        if facts.dishonest_listed_now
                        else _("Not listed as a dishonest debtor."),
                    )
                )
        elif rule == "max_unrepaired_serious_penalties":
            if facts.unrepaired_serious_penalties is None:
                results.append(RuleResult(rule, UNKNOWN, _("No penalty record is available.")))
            else:
                ok = facts.unrepaired_serious_penalties <= value
                results.append(
                    RuleResult(
                        rule,
                        PASSED if ok else FAILED,
                        _("%(count)d unrepaired serious penalties; at most %(max)d allowed.")
                        % {"count": facts.unrepaired_serious_penalties, "max": value},
                    )
                )
    return results
