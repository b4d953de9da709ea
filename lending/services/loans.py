"""Loans after disbursement and the banks' monthly reports on them (贷后月报).

A disbursement creates its loan in the same transaction (:func:`loan_create_for_disbursement`).
Banks then report each loan's month — balance, repayments, days overdue, status, the loan that
renews it — in batches, as JSON or CSV (:func:`loan_reports_submit`). A batch is stored whole
or not at all: every row is checked first and every fault named by row and field. One report
per loan and month: the same figures again change nothing (a replayed batch stores nothing
twice), different figures correct the month, audited with what they were.
"""

from __future__ import annotations

import calendar
import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from connectors.national import facts as national_facts
from hub.errors import Forbidden, InvalidInput, NotFound, UnsupportedUpload, UploadTooLarge
from hub.models import User
from lending import audit
from lending.loan_counters import CounterDeltas, first_loan_enterprise_mark, month_start
from lending.models import Application, Loan, LoanReport, LoanStatus

COLUMNS = ("loan", "month", "balance", "principal_repaid", "interest_repaid", "overdue_days", "status", "renewal_loan")
REQUIRED = ("loan", "month", "balance", "status")
FIELDS_NAMED = 200  # faults named in one answer; a file of faults need not be echoed whole
MONEY_LIMIT = Decimal("999999999999.99")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class Messages:
    BANK_ONLY = _("Only banks report their loans.")
    REQUIRED = _("This field is required.")
    NOT_A_NUMBER = _("Enter an amount in yuan with at most two decimals, 0 or more.")
    NOT_A_WHOLE_NUMBER = _("Enter a whole number, 0 or more.")
    NOT_A_MONTH = _("Enter a month as YYYY-MM.")
    STATUS = _("Enter one of active, settled, overdue, renewed.")
    LOAN_NOT_FOUND = _("Loan not found.")
    BEFORE_DISBURSEMENT = _("The month is before the loan was disbursed (%(month)s).")
    FUTURE_MONTH = _("The month has not begun yet.")
    DUPLICATE = _("This loan's month is reported twice in the batch (first as %(first)s).")
    OVERDUE_DAYS = _("Days overdue above 0 go with the status overdue, and only with it.")
    ZERO_BALANCE = _("A settled or renewed loan has a balance of 0.")
    RENEWAL_REQUIRED = _("A renewed loan names the loan that renews it (renewal_loan).")
    RENEWAL_ONLY_WHEN_RENEWED = _("Only a renewed loan names a renewal loan.")
    RENEWAL_LOAN = _(
        "The renewal loan must be another of your loans to the same enterprise, "
        "disbursed as a renewal without repayment."
    )
    EMPTY = _("The batch has no rows.")
    TOO_MANY_ROWS = _("A batch holds at most %(limit)d rows.")
    FILE_TOO_LARGE = _("The upload is larger than %(limit)s MB.")
    NOT_CSV = _("The file is not a CSV text file (UTF-8 or GB18030).")
    MISSING_COLUMNS = _("The header lacks the columns: %(columns)s.")
    INVALID = _("The batch has faults; nothing was stored.")


STATUS_VALUES = tuple(LoanStatus.values)


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def loan_create_for_disbursement(*, application: Application, actor: User) -> Loan:
    """The loan of a disbursed application, with the approval's terms and the bank's
    declarations (first loan, pure credit, renewal); counted and audited in the caller's
    transaction (the disbursement's)."""
    loan = Loan.objects.create(
        application=application,
        bank_id=application.bank_id,
        enterprise_id=application.enterprise_id,
        region_code=application.region_code,
        category=application.category,
        contract_no=application.contract_no,
        amount=application.disbursed_amount,
        rate=application.rate,
        term_months=application.approved_term_months,
        guarantee=application.guarantee,
        pure_credit=application.pure_credit,
        first_loan=application.first_loan,
        renewal=application.renewal,
        disbursed_on=application.disbursed_on,
        matures_on=_add_months(application.disbursed_on, application.approved_term_months),
    )
    deltas = CounterDeltas()
    if loan.first_loan:
        first_loan_enterprise_mark(loan.enterprise_id, deltas)
        loan.refresh_from_db(fields=["counts_as_first_loan_enterprise"])
    deltas.loan(loan)
    deltas.write()
    audit.loan_created(loan=loan, actor=actor)
    national_facts.loan_created(loan)
    return loan


# --- reading the rows ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    """One row as given: ``name(field)`` says where it came from (``rows[3].balance`` of a
    JSON batch, ``row 4, balance`` of a CSV file) for every fault found in it."""

    name: Callable[[str], str]
    values: dict


@dataclass(frozen=True)
class CleanReport:
    name: Callable[[str], str]
    loan_id: int
    month: date
    balance: Decimal
    principal_repaid: Decimal
    interest_repaid: Decimal
    overdue_days: int
    status: str
    renewal_loan_id: int | None


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _money(value, errors: list, field: str) -> Decimal | None:
    text = _text(value).replace(",", "")
    if isinstance(value, float):  # a JSON number: 1234.5 is meant, not its binary neighbour
        text = repr(value)
    try:
        amount = Decimal(text or "0")
    except InvalidOperation:
        amount = None
    if (
        amount is None
        or not amount.is_finite()
        or amount < 0
        or amount > MONEY_LIMIT
        or -amount.as_tuple().exponent > 2
    ):
        errors.append((field, Messages.NOT_A_NUMBER))
        return None
    return amount.quantize(Decimal("0.01"))


def _whole(value, errors: list, field: str, *, required: bool) -> int | None:
    if isinstance(value, bool):
        errors.append((field, Messages.NOT_A_WHOLE_NUMBER))
        return None
    text = _text(value)
    if not text:
        if required:
            errors.append((field, Messages.REQUIRED))
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        errors.append((field, Messages.NOT_A_WHOLE_NUMBER))
        return None
    return int(text)


def _month(value, errors: list) -> date | None:
    match = _MONTH.match(_text(value))
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1990:
        errors.append(("month", Messages.NOT_A_MONTH))
        return None
    return date(int(match.group(1)), int(match.group(2)), 1)


def clean_row(row: ReportRow) -> tuple[CleanReport | None, list[tuple[str, str]]]:
    """The row's values as typed figures, or its faults as (field, message)."""
    values, errors = row.values, []
    for field in REQUIRED:
        if _text(values.get(field)) == "":
            errors.append((field, Messages.REQUIRED))
    loan_id = _whole(values.get("loan"), errors, "loan", required=False) if _text(values.get("loan")) else None
    month = _month(values.get("month"), errors) if _text(values.get("month")) else None
    balance = _money(values.get("balance"), errors, "balance") if _text(values.get("balance")) else None
    principal = _money(values.get("principal_repaid"), errors, "principal_repaid")
    interest = _money(values.get("interest_repaid"), errors, "interest_repaid")
    overdue_days = _whole(values.get("overdue_days"), errors, "overdue_days", required=False) or 0
    status = _text(values.get("status"))
    if status and status not in STATUS_VALUES:
        errors.append(("status", Messages.STATUS))
    renewal_loan_id = _whole(values.get("renewal_loan"), errors, "renewal_loan", required=False)
    if not errors:
        if (overdue_days > 0) != (status == LoanStatus.OVERDUE):
            errors.append(("overdue_days", Messages.OVERDUE_DAYS))
        if status in (LoanStatus.SETTLED, LoanStatus.RENEWED) and balance:
            errors.append(("balance", Messages.ZERO_BALANCE))
        if status == LoanStatus.RENEWED and renewal_loan_id is None:
            errors.append(("renewal_loan", Messages.RENEWAL_REQUIRED))
        if status != LoanStatus.RENEWED and renewal_loan_id is not None:
            errors.append(("renewal_loan", Messages.RENEWAL_ONLY_WHEN_RENEWED))
    if errors:
        return None, errors
    return (
        CleanReport(row.name, loan_id, month, balance, principal, interest, overdue_days, status, renewal_loan_id),
        [],
    )


def _named(row_name: Callable[[str], str], faults, into: dict) -> None:
    for field, message in faults:
        if len(into) < FIELDS_NAMED:
            into.setdefault(row_name(field), []).append(str(message))


def json_rows(rows: list) -> list[ReportRow]:
    """The rows of a JSON batch, named ``rows[i].field``."""
    return [
        ReportRow(name=lambda field, index=index: f"rows[{index}].{field}", values=row if isinstance(row, dict) else {})
        for index, row in enumerate(rows)
    ]


def csv_rows(uploaded) -> list[ReportRow]:
    """The rows of an uploaded CSV file (UTF-8, with or without BOM, or GB18030), named
    ``row N, field`` by their line in the file (the header is row 1).

    Raises UploadTooLarge (413) above LENDING_REPORT_MAX_UPLOAD_MB or LENDING_REPORT_MAX_ROWS
    rows, UnsupportedUpload (415) for a file that is no such text, InvalidInput naming ``file``
    for a header that lacks columns."""
    limit = settings.LENDING_REPORT_MAX_UPLOAD_BYTES
    if uploaded.size > limit:
        message = Messages.FILE_TOO_LARGE % {"limit": limit // 2**20}
        raise UploadTooLarge(message, fields={"file": [message]})
    content = uploaded.read()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnsupportedUpload(Messages.NOT_CSV, fields={"file": [str(Messages.NOT_CSV)]})
    if "\x00" in text:
        raise UnsupportedUpload(Messages.NOT_CSV, fields={"file": [str(Messages.NOT_CSV)]})
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [_text(title).lower() for title in next(reader, [])]
        missing = [column for column in REQUIRED if column not in header]
        if missing:
            message = Messages.MISSING_COLUMNS % {"columns": ", ".join(missing)}
            raise InvalidInput(message, fields={"file": [message]})
        rows = []
        for cells in reader:
            if not any(_text(cell) for cell in cells):
                continue
            if len(rows) >= settings.LENDING_REPORT_MAX_ROWS:
                _too_many_rows("file")
            values = {title: cell for title, cell in zip(header, cells, strict=False) if title in COLUMNS}
            line = reader.line_num
            rows.append(ReportRow(name=lambda field, line=line: f"row {line}, {field}", values=values))
    except csv.Error as error:
        message = f"{Messages.NOT_CSV} ({error})"
        raise UnsupportedUpload(message, fields={"file": [message]}) from error
    return rows


def _too_many_rows(field: str):
    message = Messages.TOO_MANY_ROWS % {"limit": settings.LENDING_REPORT_MAX_ROWS}
    raise UploadTooLarge(message, fields={field: [message]})


# --- storing them -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportOutcome:
    created: int
    corrected: int
    unchanged: int


_FIGURES = ("balance", "principal_repaid", "interest_repaid", "overdue_days", "status", "renewal_loan_id")


def _figures(report) -> dict:
    return {name: getattr(report, name) for name in _FIGURES}


def _as_data(figures: dict) -> dict:
    return {name: value if isinstance(value, (int, type(None))) else str(value) for name, value in figures.items()}


@transaction.atomic
def loan_reports_submit(*, actor: User, rows: list[ReportRow], source: str = "api") -> ReportOutcome:
    """Store a batch of monthly reports of the actor's bank, whole or not at all.

    Raises Forbidden (not a bank), UploadTooLarge (more than LENDING_REPORT_MAX_ROWS rows),
    InvalidInput (the faults, each named by row and field), NotFound naming the rows whose
    loan is not the bank's (another bank's loan is not found, as an unknown one)."""
    bank = actor.organization
    if bank is None or not bank.is_bank:
        raise Forbidden(Messages.BANK_ONLY)
    if not rows:
        raise InvalidInput(Messages.EMPTY, fields={"rows": [str(Messages.EMPTY)]})
    if len(rows) > settings.LENDING_REPORT_MAX_ROWS:
        _too_many_rows("rows")
    faults: dict[str, list[str]] = {}
    clean = []
    for row in rows:
        report, row_faults = clean_row(row)
        _named(row.name, row_faults, faults)
        if report is not None:
            clean.append(report)
    if faults:
        raise InvalidInput(Messages.INVALID, fields=faults)
    wanted = {report.loan_id for report in clean} | {r.renewal_loan_id for r in clean if r.renewal_loan_id}
    # Locked in id order: two batches on the same loans take turns, and cannot deadlock.
    loans = {loan.pk: loan for loan in Loan.objects.select_for_update().filter(pk__in=wanted, bank=bank).order_by("pk")}
    missing: dict[str, list[str]] = {}
    for report in clean:
        if report.loan_id not in loans:
            _named(report.name, [("loan", Messages.LOAN_NOT_FOUND)], missing)
    if missing:
        raise NotFound(Messages.LOAN_NOT_FOUND, fields=missing)
    current_month = month_start(timezone.localdate())
    first_seen: dict[tuple, Callable] = {}
    for report in clean:
        loan = loans[report.loan_id]
        row_faults = []
        if report.month < month_start(loan.disbursed_on):
            row_faults.append(("month", Messages.BEFORE_DISBURSEMENT % {"month": loan.disbursed_on.strftime("%Y-%m")}))
        elif report.month > current_month:
            row_faults.append(("month", Messages.FUTURE_MONTH))
        key = (report.loan_id, report.month)
        if key in first_seen:
            row_faults.append(("month", Messages.DUPLICATE % {"first": first_seen[key]("month")}))
        first_seen.setdefault(key, report.name)
        if report.renewal_loan_id is not None:
            renewal = loans.get(report.renewal_loan_id)
            if (
                renewal is None
                or renewal.pk == loan.pk
                or not renewal.renewal
                or renewal.enterprise_id != loan.enterprise_id
            ):
                row_faults.append(("renewal_loan", Messages.RENEWAL_LOAN))
        _named(report.name, row_faults, faults)
    if faults:
        raise InvalidInput(Messages.INVALID, fields=faults)
    return _store(actor, bank, clean, loans, source)


def _store(actor: User, bank, clean: list[CleanReport], loans: dict, source: str) -> ReportOutcome:
    existing = {
        (report.loan_id, report.month): report
        for report in LoanReport.objects.filter(
            loan_id__in={r.loan_id for r in clean}, month__in={r.month for r in clean}
        )
    }
    now = timezone.now()
    deltas = CounterDeltas()
    new_reports, corrections, unchanged = [], [], 0
    for report in clean:
        figures = {
            "balance": report.balance,
            "principal_repaid": report.principal_repaid,
            "interest_repaid": report.interest_repaid,
            "overdue_days": report.overdue_days,
            "status": report.status,
            "renewal_loan_id": report.renewal_loan_id,
        }
        loan = loans[report.loan_id]
        stored = existing.get((report.loan_id, report.month))
        if stored is None:
            new = LoanReport(loan=loan, month=report.month, reported_at=now, **figures)
            new_reports.append(new)
            deltas.report(loan, None, new)
        elif _figures(stored) == figures:
            unchanged += 1
        else:
            before = LoanReport(loan=loan, month=stored.month, **_figures(stored))
            for name, value in figures.items():
                setattr(stored, name, value)
            stored.corrected_at = now
            stored.save(update_fields=[*figures, "corrected_at"])
            deltas.report(loan, before, stored)
            corrections.append((stored, _as_data(_figures(before)), _as_data(figures)))
    LoanReport.objects.bulk_create(new_reports, batch_size=1000)
    national_facts.loan_reports_recorded([*new_reports, *(stored for stored, _before, _after in corrections)], loans)
    deltas.write()
    _follow_latest_status({report.loan_id for report in clean})
    if corrections:
        audit.loan_reports_corrected(corrections=corrections, actor=actor)
    outcome = ReportOutcome(created=len(new_reports), corrected=len(corrections), unchanged=unchanged)
    audit.loan_reports_received(
        bank_id=bank.pk,
        actor=actor,
        created=outcome.created,
        corrected=outcome.corrected,
        unchanged=outcome.unchanged,
        source=source,
    )
    return outcome


def _follow_latest_status(loan_ids: set[int]) -> None:
    """A loan's status is its latest month's."""
    latest: dict[int, str] = {}
    for loan_id, status in (
        LoanReport.objects.filter(loan_id__in=loan_ids).order_by("loan_id", "month").values_list("loan_id", "status")
    ):
        latest[loan_id] = status
    for status in set(latest.values()):
        Loan.objects.filter(pk__in=[pk for pk, value in latest.items() if value == status]).exclude(
            status=status
        ).update(status=status)
