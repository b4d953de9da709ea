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
