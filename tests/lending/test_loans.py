"""Loans after disbursement and the banks' monthly reports: the disbursement creates the loan;
a batch is stored whole or not at all, each fault named by row and field; a replayed batch
stores nothing twice; a correction is audited; only the lending bank reports or reads a loan."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from hub.models import AuditEvent
from lending.models import Loan, LoanCounters, LoanReport
from lending.services.loans import Messages
from tests.connectors.factories import AuthorizationFactory
from tests.hub.factories import OrganizationFactory, UserFactory
from tests.lending.factories import ProductFactory, disbursed_loan

pytestmark = pytest.mark.django_db

URL = "/api/v1/loan-reports/"


def this_month() -> str:
    return timezone.localdate().strftime("%Y-%m")


@pytest.fixture
def loan(enterprise_admin, bank_officer, product, consent):
    return disbursed_loan(enterprise_admin, bank_officer, product, first_loan=True, pure_credit=True)


@pytest.fixture
def second_loan(enterprise_admin, bank_officer, product, consent):
    return disbursed_loan(enterprise_admin, bank_officer, product, amount=Decimal("300000.00"), renewal=True)


def row(loan, **overrides) -> dict:
    values = {
        "loan": loan.pk,
        "month": this_month(),
        "balance": "450000.00",
        "principal_repaid": "50000.00",
        "interest_repaid": "1604.17",
        "overdue_days": 0,
        "status": "active",
    }
    values.update(overrides)
    return values


def test_the_disbursement_creates_the_loan_with_the_approved_terms(loan):
    application = loan.application

    assert (loan.amount, loan.rate, loan.term_months, loan.guarantee) == (
        application.disbursed_amount,
        application.rate,
        12,
        "credit",
    )
    assert loan.first_loan and loan.pure_credit and not loan.renewal
    assert loan.disbursed_on == application.disbursed_on and loan.matures_on > loan.disbursed_on
    assert loan.counts_as_first_loan_enterprise
    assert AuditEvent.objects.filter(action="loan.created", object_id=str(loan.pk)).count() == 1


def test_a_batch_is_stored_and_a_replay_stores_nothing_twice(api_client_for, bank_officer, loan, second_loan):
    client = api_client_for(bank_officer)
    batch = {"rows": [row(loan), row(second_loan, balance="300000.00", principal_repaid="0")]}

    first = client.post(URL, batch, format="json", HTTP_IDEMPOTENCY_KEY="batch-2026-05")
    replayed = client.post(URL, batch, format="json", HTTP_IDEMPOTENCY_KEY="batch-2026-05")
    again_without_key = client.post(URL, batch, format="json")

    assert first.status_code == 200 and first.json() == {"created": 2, "corrected": 0, "unchanged": 0}
    assert replayed["Idempotent-Replayed"] == "true" and replayed.json() == first.json()
    assert again_without_key.json() == {"created": 0, "corrected": 0, "unchanged": 2}
    assert LoanReport.objects.count() == 2
    counters = LoanCounters.objects.filter(reported_loans__gt=0).get()
    assert (counters.reported_loans, counters.balance) == (2, Decimal("750000.00"))


@pytest.mark.parametrize(
    "bad, field, message",
    [
        ({"balance": "-1"}, "balance", Messages.NOT_A_NUMBER),
        ({"balance": "12.345"}, "balance", Messages.NOT_A_NUMBER),
        ({"balance": None}, "balance", Messages.REQUIRED),
        ({"month": "2026/05"}, "month", Messages.NOT_A_MONTH),
        ({"month": "2999-01"}, "month", Messages.FUTURE_MONTH),
        ({"status": "lost"}, "status", Messages.STATUS),
        ({"overdue_days": 12}, "overdue_days", Messages.OVERDUE_DAYS),
        ({"overdue_days": "x", "status": "overdue"}, "overdue_days", Messages.NOT_A_WHOLE_NUMBER),
        ({"status": "settled"}, "balance", Messages.ZERO_BALANCE),
        ({"status": "renewed", "balance": "0"}, "renewal_loan", Messages.RENEWAL_REQUIRED),
        ({"renewal_loan": 1}, "renewal_loan", Messages.RENEWAL_ONLY_WHEN_RENEWED),
    ],
)
def test_a_bad_row_is_named_by_row_and_field_and_nothing_is_stored(
    api_client_for, bank_officer, loan, second_loan, bad, field, message
):
    batch = {"rows": [row(second_loan), row(loan, **bad)]}

    response = api_client_for(bank_officer).post(URL, batch, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {f"rows[1].{field}": [str(message)]}
    assert not LoanReport.objects.exists() and not LoanCounters.objects.filter(reported_loans__gt=0).exists()


def test_a_month_before_the_disbursement_and_a_month_twice_are_named(api_client_for, bank_officer, loan):
    batch = {"rows": [row(loan), row(loan, month="2020-01"), row(loan)]}

    fields = api_client_for(bank_officer).post(URL, batch, format="json").json()["error"]["fields"]

    assert set(fields) == {"rows[1].month", "rows[2].month"}
    assert "rows[0].month" in fields["rows[2].month"][0]
    assert not LoanReport.objects.exists()


def test_a_correction_changes_the_month_and_is_audited_with_what_it_was(api_client_for, bank_officer, loan):
    client = api_client_for(bank_officer)
    client.post(URL, {"rows": [row(loan)]}, format="json")

    response = client.post(URL, {"rows": [row(loan, balance="0", status="overdue", overdue_days=35)]}, format="json")

    assert response.json() == {"created": 0, "corrected": 1, "unchanged": 0}
    report = LoanReport.objects.get()
    assert (report.balance, report.status, report.overdue_days) == (Decimal("0.00"), "overdue", 35)
    assert report.corrected_at is not None
    event = AuditEvent.objects.get(action="loan_report.corrected")
    assert event.data["before"]["balance"] == "450000.00" and event.data["after"]["status"] == "overdue"
    assert event.organization_id == loan.bank_id
    loan.refresh_from_db()
    assert loan.status == "overdue"
    counters = LoanCounters.objects.filter(reported_loans__gt=0).get()
    assert (counters.reported_loans, counters.balance, counters.overdue_balance) == (1, 0, 0)


def test_a_renewal_without_repayment_links_the_new_loan(api_client_for, bank_officer, loan, second_loan):
    client = api_client_for(bank_officer)

    response = client.post(
        URL, {"rows": [row(loan, balance="0", status="renewed", renewal_loan=second_loan.pk)]}, format="json"
    )
    detail = client.get(f"/api/v1/loans/{second_loan.pk}/").json()
    refused = client.post(
        URL, {"rows": [row(second_loan, balance="0", status="renewed", renewal_loan=loan.pk)]}, format="json"
    )

    assert response.status_code == 200 and detail["renews"] == [loan.pk]
    assert client.get(f"/api/v1/loans/{loan.pk}/").json()["status"] == "renewed"
    # The first loan was no renewal: it cannot carry the second one on.
    assert refused.json()["error"]["fields"] == {"rows[0].renewal_loan": [str(Messages.RENEWAL_LOAN)]}


def test_only_the_lending_bank_reports_or_reads_a_loan(api_client_for, loan, bank_officer, regulator_user):
    other_bank = UserFactory(organization=OrganizationFactory(kind="bank", code="OTHERBANK", region_code="410100"))

    reported = api_client_for(other_bank).post(URL, {"rows": [row(loan)]}, format="json")
    read = api_client_for(other_bank).get(f"/api/v1/loans/{loan.pk}/")
    listed = api_client_for(other_bank).get("/api/v1/loans/").json()["results"]

    assert reported.status_code == 404
    assert reported.json()["error"]["fields"] == {"rows[0].loan": [str(Messages.LOAN_NOT_FOUND)]}
    assert read.status_code == 404 and listed == []
    assert not LoanReport.objects.exists()
    assert api_client_for(regulator_user).get("/api/v1/loans/").status_code == 403
    assert api_client_for(regulator_user).post(URL, {"rows": [row(loan)]}, format="json").status_code == 403
    mine = api_client_for(bank_officer).get("/api/v1/loans/").json()["results"]
    assert [item["id"] for item in mine] == [loan.pk]


def test_a_loan_shows_its_reports(api_client_for, bank_officer, loan):
    client = api_client_for(bank_officer)
    client.post(URL, {"rows": [row(loan)]}, format="json")

    detail = client.get(f"/api/v1/loans/{loan.pk}/").json()

    assert detail["first_loan"] is True and detail["amount"] == "500000.00"
    assert [(r["month"], r["balance"], r["status"]) for r in detail["reports"]] == [
        (this_month(), "450000.00", "active")
    ]


def test_batches_above_the_row_limit_are_413_naming_the_limit(api_client_for, bank_officer, loan, settings):
    settings.LENDING_REPORT_MAX_ROWS = 2

    response = api_client_for(bank_officer).post(URL, {"rows": [row(loan)] * 3}, format="json")

    assert response.status_code == 413 and "2" in response.json()["error"]["fields"]["rows"][0]


@pytest.mark.parametrize("body", [{}, {"rows": "all"}, {"rows": []}, {"rows": [1]}])
def test_a_batch_of_the_wrong_shape_is_400(api_client_for, bank_officer, loan, body):
    response = api_client_for(bank_officer).post(URL, body, format="json")

    assert response.status_code == 400 and response.json()["error"]["fields"]


def csv_file(text: str, name="reports.csv", encoding="utf-8-sig") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def test_a_csv_upload_stores_its_rows_and_a_bad_one_is_named_by_line(api_client_for, bank_officer, loan, second_loan):
    client = api_client_for(bank_officer)
    header = "loan,month,balance,principal_repaid,interest_repaid,overdue_days,status,renewal_loan\n"
    good = f"{loan.pk},{this_month()},450000.00,50000,1604.17,0,active,\n"
    bad = f"{second_loan.pk},{this_month()},-5,0,0,0,active,\n"

    refused = client.post("/api/v1/loan-reports/upload/", {"file": csv_file(header + good + bad)}, format="multipart")
    stored = client.post(
        "/api/v1/loan-reports/upload/", {"file": csv_file(header + good, encoding="gb18030")}, format="multipart"
    )

    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {"row 3, balance": [str(Messages.NOT_A_NUMBER)]}
    assert stored.status_code == 200 and stored.json()["created"] == 1
    assert LoanReport.objects.get().balance == Decimal("450000.00")


def test_a_csv_upload_refuses_missing_columns_binary_files_and_oversize(api_client_for, bank_officer, loan, settings):
    client = api_client_for(bank_officer)
    upload = "/api/v1/loan-reports/upload/"

    no_month = client.post(upload, {"file": csv_file("loan,balance,status\n1,0,active\n")}, format="multipart")
    binary = client.post(
        upload, {"file": SimpleUploadedFile("x.csv", b"\xff\xfe\x00\x00\x81", "text/csv")}, format="multipart"
    )
    settings.LENDING_REPORT_MAX_UPLOAD_BYTES = 10
    too_large = client.post(upload, {"file": csv_file("loan,month,balance,status\n" * 3)}, format="multipart")

    assert no_month.status_code == 400 and "month" in no_month.json()["error"]["fields"]["file"][0]
    assert binary.status_code == 415
    assert too_large.status_code == 413 and "file" in too_large.json()["error"]["fields"]


def test_an_enterprise_counts_once_under_its_earliest_first_loan(enterprise_admin, bank_officer, product, consent):
    other_bank = OrganizationFactory(kind="bank", code="B2", region_code="410000")
    other_officer = UserFactory(organization=other_bank)
    AuthorizationFactory(enterprise=enterprise_admin.organization, bank=other_bank, granted_by=enterprise_admin)
    later = disbursed_loan(enterprise_admin, bank_officer, product, first_loan=True)
    earlier = disbursed_loan(enterprise_admin, other_officer, ProductFactory(bank=other_bank), first_loan=True)
    assert later.counts_as_first_loan_enterprise and not Loan.objects.get(pk=earlier.pk).counts_as_first_loan_enterprise

    # A loan disbursed earlier that is recorded later takes the count over.
    from lending.loan_counters import CounterDeltas, first_loan_enterprise_mark

    Loan.objects.filter(pk=earlier.pk).update(disbursed_on=date(2000, 1, 1))
    deltas = CounterDeltas()
    first_loan_enterprise_mark(enterprise_admin.organization_id, deltas)

    assert list(Loan.objects.filter(counts_as_first_loan_enterprise=True).values_list("pk", flat=True)) == [earlier.pk]
