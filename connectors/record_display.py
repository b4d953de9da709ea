"""How a credit profile's records read on a page: each category as a table with labelled,
translated columns (in the protocol's field order), money and yes/no written for people, and
codes (severity, status, role, kind) as words. The API keeps the protocol's keys and values."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from connectors.categories import RECORD_FIELDS
from hub.web.formats import money

FIELD_LABELS = {
    "name": _("Name"),
    "legal_representative": _("Legal representative"),
    "registered_capital": _("Registered capital"),
    "established_on": _("Established on"),
    "status": _("Status"),
    "address": _("Address"),
    "license_no": _("Licence number"),
    "authority": _("Authority"),
    "valid_from": _("Valid from"),
    "valid_until": _("Valid until"),
    "decision_no": _("Decision number"),
    "decided_on": _("Decided on"),
    "severity": _("Severity"),
    "amount": _("Amount"),
    "publicity_ends_on": _("Publicity ends on"),
    "repaired": _("Repaired"),
    "case_no": _("Case number"),
    "court": _("Court"),
    "listed_on": _("Listed on"),
    "removed_on": _("Removed on"),
    "role": _("Role"),
    "cause": _("Cause"),
    "title": _("Title"),
    "awarded_on": _("Awarded on"),
    "committed_on": _("Committed on"),
    "fulfilled": _("Fulfilled"),
    "period": _("Period"),
    "tax_paid": _("Tax paid"),
    "arrears": _("Arrears"),
    "grade": _("Grade"),
    "insured_headcount": _("Insured people"),
    "depositor_headcount": _("Depositors"),
    "kind": _("Kind"),
    "amount_paid": _("Amount paid"),
    "overdue_days": _("Days overdue"),
    "import_amount": _("Imports"),
    "export_amount": _("Exports"),
    "credit_grade": _("Credit grade"),
    "certificate_no": _("Certificate number"),
    "area_sqm": _("Area (m²)"),
    "mortgaged": _("Mortgaged"),
    "number": _("Number"),
    "granted_on": _("Granted on"),
    "score": _("Score"),
    "evaluated_on": _("Evaluated on"),
}

# (category or "*", field) → code → words.
CODE_LABELS = {
    ("registration", "status"): {
        "active": _("In business"),
        "revoked": _("Licence revoked"),
        "cancelled": _("Deregistered"),
    },
    ("penalty", "severity"): {"minor": _("Minor"), "ordinary": _("Ordinary"), "serious": _("Serious")},
    ("judicial", "role"): {"plaintiff": _("Plaintiff"), "defendant": _("Defendant"), "third_party": _("Third party")},
    ("judicial", "status"): {"pending": _("Pending"), "closed": _("Closed")},
    ("utilities", "kind"): {"water": _("Water"), "electricity": _("Electricity"), "gas": _("Gas")},
    ("ip", "kind"): {"patent": _("Patent"), "trademark": _("Trademark"), "copyright": _("Copyright")},
}


def columns(category: str) -> list[tuple[str, str]]:
    """(field, label) of a category's table, in the protocol's order; fields a platform sent
    beyond the protocol follow, by their own names."""
    return [(field, FIELD_LABELS.get(field, field)) for field in RECORD_FIELDS.get(category, {})]


def cells(category: str, data: dict) -> list[str]:
    """One record's values, in :func:`columns` order, written for people."""
    fields = RECORD_FIELDS.get(category, {})
    return [_display(category, field, fields[field].name, data.get(field)) for field in fields]


def extra_fields(category: str, data: dict) -> list[tuple[str, str]]:
    """What a platform sent beyond the protocol (kept, shown as it came)."""
    known = RECORD_FIELDS.get(category, {})
    return [(field, "—" if value is None else str(value)) for field, value in data.items() if field not in known]


def _display(category: str, field: str, kind: str, value) -> str:
    if value is None or value == "":
        return "—"
    if kind == "amount":
        return money(value)
    if kind == "bool":
        return str(_("Yes") if value else _("No"))
    labels = CODE_LABELS.get((category, field))
    if labels and value in labels:
        return str(labels[value])
    return str(value)


# --- the summary ---------------------------------------------------------------------------------

SUMMARY_LABELS = {
    "tax_paid_last_12_months": _("Tax paid in the last 12 months (yuan)"),
    "latest_tax_grade": _("Latest tax credit grade"),
    "latest_insured_headcount": _("Insured headcount (latest)"),
    "latest_depositor_headcount": _("Housing fund depositors (latest)"),
    "has_arrears": _("Arrears of tax, social insurance or housing fund"),
    "penalties_last_3_years": _("Administrative penalties in the last 3 years"),
    "unrepaired_penalties": _("Penalties not yet repaired"),
    "dishonest_listed_now": _("Listed as a dishonest debtor now"),
    "valid_licenses": _("Valid licences"),
    "honors": _("Honours"),
    "latest_rating": _("Latest public credit rating"),
}
SEVERITY_LABELS = {
    "minor": _("minor"),
    "ordinary": _("ordinary"),
    "serious": _("serious"),
}


BASIS_LABELS = {
    "records": _("From records"),
    "none_reported": _("No records reported"),
    "not_fetched": _("Not fetched"),
}


def summary_value(key: str, value, basis: str = "records") -> str:
    """A summary indicator written for people (a page, the credit report). No value means
    nothing was fetched, or nothing reported where the basis says a platform answered."""
    if value is None:
        return str(_("Not fetched") if basis == "not_fetched" else _("None reported"))
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if key == "penalties_last_3_years" and isinstance(value, dict):
        return " · ".join(f"{SEVERITY_LABELS.get(severity, severity)} {count}" for severity, count in value.items())
    if key == "latest_rating" and isinstance(value, dict):
        return str(_("%(grade)s (score %(score)s, evaluated on %(date)s)")) % {
            "grade": value.get("grade"),
            "score": value.get("score"),
            "date": value.get("evaluated_on"),
        }
    return str(value)
