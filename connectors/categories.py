"""The shape of each credit category's record data (CONNECTOR_PROTOCOL.md, "Record data by
category") and the validation of records that platforms send. The category keys themselves
are in hub/categories.py."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

# --- record data types --------------------------------------------------------------------------

_AMOUNT = re.compile(r"^-?\d{1,15}\.\d{2}$")
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$")


@dataclass(frozen=True)
class FieldType:
    name: str
    nullable: bool = False
    choices: tuple[str, ...] = ()

    def error(self, value) -> str | None:
        """Why ``value`` does not fit this type, or None."""
        if value is None:
            return None if self.nullable else "must not be null"
        if self.name == "string":
            ok = isinstance(value, str)
        elif self.name == "amount":
            ok = isinstance(value, str) and bool(_AMOUNT.match(value))
        elif self.name == "date":
            ok = isinstance(value, str) and _is_iso_date(value)
        elif self.name == "period":
            ok = isinstance(value, str) and bool(_PERIOD.match(value))
        elif self.name == "int":
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif self.name == "bool":
            ok = isinstance(value, bool)
        else:  # pragma: no cover - a programming error in RECORD_FIELDS
            raise ValueError(self.name)
        if not ok:
            return f"must be {_DESCRIPTIONS[self.name]}"
        if self.choices and value not in self.choices:
            return f"must be one of {', '.join(self.choices)}"
        return None


_DESCRIPTIONS = {
    "string": "a string",
    "amount": "an amount string with two decimals",
    "date": "a date YYYY-MM-DD",
    "period": "a period YYYY-MM or YYYY-Qn",
    "int": "an integer",
    "bool": "true or false",
}


def _is_iso_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


STRING, AMOUNT, DATE, PERIOD, INTEGER, BOOLEAN = (
    FieldType(name) for name in ("string", "amount", "date", "period", "int", "bool")
)

RECORD_FIELDS: dict[str, dict[str, FieldType]] = {
    "registration": {
        "name": STRING,
        "legal_representative": STRING,
        "registered_capital": AMOUNT,
        "established_on": DATE,
        "status": FieldType("string", choices=("active", "revoked", "cancelled")),
        "address": STRING,
    },
    "license": {
        "license_no": STRING,
        "name": STRING,
        "authority": STRING,
        "valid_from": DATE,
        "valid_until": FieldType("date", nullable=True),
    },
    "penalty": {
        "decision_no": STRING,
        "authority": STRING,
        "decided_on": DATE,
        "severity": FieldType("string", choices=("minor", "ordinary", "serious")),
        "amount": AMOUNT,
        "publicity_ends_on": DATE,
        "repaired": BOOLEAN,
    },
    "dishonest": {
        "case_no": STRING,
        "court": STRING,
        "listed_on": DATE,
        "removed_on": FieldType("date", nullable=True),
    },
    "judicial": {
        "case_no": STRING,
        "court": STRING,
        "role": FieldType("string", choices=("plaintiff", "defendant", "third_party")),
        "cause": STRING,
        "amount": AMOUNT,
        "status": FieldType("string", choices=("pending", "closed")),
    },
    "honor": {"title": STRING, "authority": STRING, "awarded_on": DATE},
    "commitment": {"title": STRING, "committed_on": DATE, "fulfilled": BOOLEAN},
    "tax": {
        "period": PERIOD,
        "tax_paid": AMOUNT,
        "arrears": AMOUNT,
        "grade": FieldType("string", choices=("A", "B", "M", "C", "D")),
    },
    "social_insurance": {"period": PERIOD, "insured_headcount": INTEGER, "arrears": AMOUNT},
    "housing_fund": {"period": PERIOD, "depositor_headcount": INTEGER, "arrears": AMOUNT},
    "utilities": {
        "period": PERIOD,
        "kind": FieldType("string", choices=("water", "electricity", "gas")),
        "amount_paid": AMOUNT,
        "overdue_days": INTEGER,
    },
    "customs": {"period": PERIOD, "import_amount": AMOUNT, "export_amount": AMOUNT, "credit_grade": STRING},
    "real_estate": {"certificate_no": STRING, "area_sqm": STRING, "mortgaged": BOOLEAN},
    "ip": {
        "kind": FieldType("string", choices=("patent", "trademark", "copyright")),
        "number": STRING,
        "title": STRING,
        "granted_on": DATE,
    },
    "rating": {"grade": FieldType("string", choices=("A", "B", "C", "D")), "score": INTEGER, "evaluated_on": DATE},
}

# The field whose date is the record's ``occurred_on`` when the platform sends none.
OCCURRED_ON_FIELD = {
    "registration": "established_on",
    "license": "valid_from",
    "penalty": "decided_on",
    "dishonest": "listed_on",
    "honor": "awarded_on",
    "commitment": "committed_on",
    "ip": "granted_on",
    "rating": "evaluated_on",
}


def record_errors(record) -> list[str]:
    """Why a record from a platform breaks the schema (empty when it is fine).

    Unknown extra fields inside ``data`` are allowed and kept; missing known fields, wrong
    types, unknown categories and a non-object ``data`` are errors.
    """
    if not isinstance(record, dict):
        return ["record is not an object"]
    errors = []
    source_id, category, data = record.get("source_id"), record.get("category"), record.get("data")
    if not isinstance(source_id, str) or not source_id or len(source_id) > 128:
        errors.append("source_id must be a non-empty string of at most 128 characters")
    if category not in RECORD_FIELDS:
        errors.append(f"unknown category {category!r}")
    occurred_on = record.get("occurred_on")
    if occurred_on is not None and not (isinstance(occurred_on, str) and _is_iso_date(occurred_on)):
        errors.append("occurred_on must be a date YYYY-MM-DD")
    if not isinstance(data, dict):
        errors.append("data must be an object")
    elif category in RECORD_FIELDS:
        for field, field_type in RECORD_FIELDS[category].items():
            if field not in data:
                if not field_type.nullable:
                    errors.append(f"data.{field} is missing")
                continue
            problem = field_type.error(data[field])
            if problem:
                errors.append(f"data.{field} {problem}")
    return errors
