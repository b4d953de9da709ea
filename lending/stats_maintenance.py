"""Keeping the lending counters (lending/models/stats.py) up to date, incrementally.

Every change to an application calls :func:`aggregates_apply` with the application as it
was and as it is now, in the same transaction: the difference of the two contributions
is added to one row of each counter table, monthly and daily. ``manage.py rebuild_lending_stats`` recomputes
the tables from scratch (and tests compare the two).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.apps import apps as installed_apps
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

COUNTERS = (
    "applications",
    "accepted",
    "approved",
    "rejected",
    "signed",
    "disbursed",
    "disbursed_amount",
    "accept_seconds",
    "first_loans",
    "pure_credit_loans",
)
# Counter table → the fields of its key besides the period.
TABLES = {
    "LendingByRegion": ("region_code",),
    "LendingByBank": ("city_code", "bank_id"),
    "LendingByCategory": ("city_code", "category"),
    "LendingByRegionDay": ("region_code",),
    "LendingByBankDay": ("city_code", "bank_id"),
    "LendingByCategoryDay": ("city_code", "category"),
}
# Counter table → its period field: the month of submission, or the day.
PERIOD = {table: "day" if table.endswith("Day") else "month" for table in TABLES}
# Daily table → the monthly table that sums it by month.
MONTHLY = {table: table.removesuffix("Day") for table in TABLES if PERIOD[table] == "day"}


def city_of(region_code: str) -> str:
    """The city-level code above a district. Codes like 419001 (济源) are county-level
    cities directly under the province ("90" in the middle): they are their own city."""
    return region_code if region_code[2:4] == "90" else region_code[:4] + "00"


@dataclass(frozen=True)
class Contribution:
    month: date
    day: date
    keys: dict[str, tuple]  # table → key values (after the period)
    values: dict

    def period(self, table: str) -> date:
        return self.day if PERIOD[table] == "day" else self.month


def month_of(moment) -> date:
    local = timezone.localtime(moment)
    return date(local.year, local.month, 1)


def day_of(moment) -> date:
    return timezone.localtime(moment).date()


def contribution(application) -> Contribution:
    """What one application adds to the counters, given its current state."""
    approved = application.approved_amount is not None
    accept_seconds = (
        int((application.accepted_at - application.submitted_at).total_seconds()) if application.accepted_at else 0
    )
    city = city_of(application.region_code)
    keys = {
        "LendingByRegion": (application.region_code,),
        "LendingByBank": (city, application.bank_id or 0),
        "LendingByCategory": (city, application.category),
    }
    return Contribution(
        month=month_of(application.submitted_at),
        day=day_of(application.submitted_at),
        keys={table: keys[MONTHLY.get(table, table)] for table in TABLES},
        values={
            "applications": 1,
            "accepted": int(application.accepted_at is not None),
            "approved": int(approved),
            "rejected": int(application.status == "rejected"),
            "signed": int(application.signed_at is not None),
            "disbursed": int(application.disbursed_at is not None),
            "disbursed_amount": application.disbursed_amount or Decimal("0"),
            "accept_seconds": accept_seconds,
            "first_loans": int(approved and application.first_loan),
            "pure_credit_loans": int(approved and application.pure_credit),
        },
    )


def _add(table: str, period: date, key: tuple, deltas: dict) -> None:
    deltas = {name: value for name, value in deltas.items() if value}
    if not deltas:
        return
    model = installed_apps.get_model("lending", table)
    identity = {PERIOD[table]: period, **dict(zip(TABLES[table], key, strict=True))}
    rows = model.objects.filter(**identity)
    if rows.update(**{name: F(name) + value for name, value in deltas.items()}):
        return
    try:
        with transaction.atomic():
            model.objects.create(**identity, **deltas)
    except IntegrityError:  # a concurrent first writer created the row: add to it
        rows.update(**{name: F(name) + value for name, value in deltas.items()})


def aggregates_apply(before, after) -> None:
    """Add the change from ``before`` (None for a new application) to ``after``."""
    new = contribution(after)
    old = contribution(before) if before is not None else None
    for table in TABLES:
        if old is not None and (old.period(table), old.keys[table]) == (new.period(table), new.keys[table]):
            deltas = {name: new.values[name] - old.values[name] for name in COUNTERS}
            _add(table, new.period(table), new.keys[table], deltas)
            continue
        if old is not None:
            _add(table, old.period(table), old.keys[table], {name: -value for name, value in old.values.items()})
        _add(table, new.period(table), new.keys[table], new.values)


def _tables(apps) -> list[str]:
    """The counter tables the registry knows (a migration's historical models may predate
    the daily ones)."""
    known = {model.__name__ for model in apps.get_app_config("lending").get_models()}
    return [table for table in TABLES if table in known]


def aggregates_rebuild(apps=installed_apps) -> int:
    """Recompute every counter table from the applications; returns the rows written.
    ``apps`` lets a migration run it on its historical models."""
    if connection.vendor == "postgresql":
        return _rebuild_in_sql(apps)
    return _rebuild_in_python(apps)


def _rebuild_in_python(apps) -> int:
    """Application by application, through :func:`contribution` (the embedded SQLite default)."""
    application_model = apps.get_model("lending", "Application")
    totals: dict[str, dict[tuple, dict]] = {table: {} for table in _tables(apps)}
    with transaction.atomic():
        for application in application_model.objects.all().iterator(chunk_size=5000):
            item = contribution(application)
            for table, rows in totals.items():
                row = rows.setdefault((item.period(table), *item.keys[table]), dict.fromkeys(COUNTERS, 0))
                for name, value in item.values.items():
                    row[name] += value
        written = 0
        for table, rows in totals.items():
            model = apps.get_model("lending", table)
            model.objects.all().delete()
            model.objects.bulk_create(
                [
                    model(**{PERIOD[table]: key[0]}, **dict(zip(TABLES[table], key[1:], strict=True)), **values)
                    for key, values in rows.items()
                ],
                batch_size=5000,
            )
            written += len(rows)
    return written


# --- the rebuild in PostgreSQL ---------------------------------------------------------------------

# What :func:`contribution` adds per application, summed by SQL: the same definitions, one
# aggregate per counter (test_incremental_counters_equal_a_rebuild holds the two together).
_COUNTER_SUMS = {
    "applications": "COUNT(*)",
    "accepted": "COUNT(accepted_at)",
    "approved": "COUNT(approved_amount)",
    "rejected": "COUNT(*) FILTER (WHERE status = 'rejected')",
    "signed": "COUNT(signed_at)",
    "disbursed": "COUNT(disbursed_at)",
    "disbursed_amount": "COALESCE(SUM(disbursed_amount), 0)",
    # int(timedelta.total_seconds()) truncates; so does trunc().
    "accept_seconds": "COALESCE(SUM(TRUNC(EXTRACT(EPOCH FROM accepted_at - submitted_at))), 0)",
    "first_loans": "COUNT(*) FILTER (WHERE approved_amount IS NOT NULL AND first_loan)",
    "pure_credit_loans": "COUNT(*) FILTER (WHERE approved_amount IS NOT NULL AND pure_credit)",
}
_CITY = "CASE WHEN SUBSTR(region_code, 3, 2) = '90' THEN region_code ELSE SUBSTR(region_code, 1, 4) || '00' END"
_KEYS = {
    "LendingByRegion": ["region_code"],
    "LendingByBank": [_CITY, "COALESCE(bank_id, 0)"],
    "LendingByCategory": [_CITY, "category"],
}


def _rebuild_in_sql(apps) -> int:
    """The same totals as the Python rebuild, grouped by the database: seconds, not
    minutes, for millions of applications. Each daily table is grouped from the
    applications, its monthly table from it (a few hundred thousand rows, not millions).
    Rows are written in the order of their period, as a live system adds them: a read of a
    few days then touches a few pages."""
    assert set(_COUNTER_SUMS) == set(COUNTERS) and set(_KEYS) == set(MONTHLY.values())
    applications = apps.get_model("lending", "Application")._meta.db_table
    periods = {
        "month": "DATE_TRUNC('month', submitted_at AT TIME ZONE %s)::date",
        "day": "(submitted_at AT TIME ZONE %s)::date",
    }
    tables = _tables(apps)
    written = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for table in sorted(tables, key=lambda name: PERIOD[name] != "day"):  # daily tables first
            db_table = apps.get_model("lending", table)._meta.db_table
            period = PERIOD[table]
            columns = ", ".join([period, *TABLES[table], *COUNTERS])
            daily = table + "Day"
            cursor.execute(f"DELETE FROM {db_table}")
            if period == "month" and daily in tables:
                source = apps.get_model("lending", daily)._meta.db_table
                keys = ", ".join(TABLES[table])
                cursor.execute(
                    f"""INSERT INTO {db_table} ({columns})
                    SELECT DATE_TRUNC('month', day)::date, {keys}, {", ".join(f"SUM({name})" for name in COUNTERS)}
                    FROM {source} GROUP BY 1, {keys} ORDER BY 1"""
                )
            else:
                keys = _KEYS[MONTHLY.get(table, table)]
                groups = ", ".join(str(position) for position in range(1, len(keys) + 2))
                cursor.execute(
                    f"""INSERT INTO {db_table} ({columns})
                    SELECT {periods[period]}, {", ".join(keys)}, {", ".join(_COUNTER_SUMS[name] for name in COUNTERS)}
                    FROM {applications} GROUP BY {groups} ORDER BY 1""",
                    [settings.TIME_ZONE],
                )
            written += cursor.rowcount
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {apps.get_model('lending', table)._meta.db_table}")
    return written
