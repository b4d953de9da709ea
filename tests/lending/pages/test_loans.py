"""Lending pages of loans after disbursement: the bank's loans, one loan with its reports,
the upload of monthly reports with its fault report, the loan tiles of the dashboard."""

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from lending.models import Loan, LoanReport
from lending.services.loans import json_rows, loan_reports_submit
from tests.hub.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = "loan,month,balance,principal_repaid,interest_repaid,overdue_days,status,renewal_loan\n"


@pytest.fixture
def loan(lending_history):
    return Loan.objects.get()


def this_month() -> str:
    return timezone.localdate().strftime("%Y-%m")


def upload(client, text: str):
    return client.post(
        "/loans/reports/upload/", {"file": SimpleUploadedFile("r.csv", text.encode(), content_type="text/csv")}
    )


def test_the_bank_sees_its_loans_and_one_with_its_reports(logged_in, bank_officer, loan):
    loan_reports_submit(
        actor=bank_officer,
        rows=json_rows([{"loan": loan.pk, "month": this_month(), "balance": "550000", "status": "active"}]),
    )
    client = logged_in(bank_officer)

    listing = client.get("/loans/").content.decode()
    detail = client.get(f"/loans/{loan.pk}/").content.decode()

    assert f'<tr data-loan="{loan.pk}" data-status="active">' in listing
    assert f'<tr data-month="{this_month()}">' in detail and "550,000.00" in detail
    assert 'data-testid="loan-amount">600,000.00' in detail


def test_other_people_see_no_loan_page(logged_in, loan, regulator_user, enterprise_admin):
    other_bank = UserFactory(organization=OrganizationFactory(kind="bank", code="OTHER", region_code="410100"))

    assert logged_in(other_bank).get(f"/loans/{loan.pk}/").status_code == 404
    assert logged_in(regulator_user).get("/loans/").status_code == 403
    assert logged_in(enterprise_admin).get("/loans/reports/upload/").status_code == 403


def test_an_upload_with_a_bad_row_lists_the_fault_and_stores_nothing(logged_in, bank_officer, loan):
    client = logged_in(bank_officer)
    text = (
        HEADER
        + f"{loan.pk},{this_month()},550000,50000,1925,0,active,\n{loan.pk},{this_month()[:4]}-13,1,0,0,0,active,\n"
    )

    response = upload(client, text)

    html = response.content.decode()
    assert response.status_code == 400 and 'data-testid="faults"' in html
    assert '<td class="nowrap">row 3, month</td>' in html
    assert not LoanReport.objects.exists()


def test_an_upload_naming_another_banks_loan_lists_it_as_a_fault(logged_in, loan):
    other_bank = UserFactory(organization=OrganizationFactory(kind="bank", code="OTHER", region_code="410100"))

    response = upload(logged_in(other_bank), HEADER + f"{loan.pk},{this_month()},1,0,0,0,active,\n")

    assert response.status_code == 400 and "row 2, loan" in response.content.decode()


def test_a_good_upload_is_stored_and_said(logged_in, bank_officer, loan):
    client = logged_in(bank_officer)

    response = upload(client, HEADER + f"{loan.pk},{this_month()},0,600000,1925,0,settled,\n")

    assert response.status_code == 302 and response["Location"] == "/loans/"
    assert "Reports stored: 1 new, 0 corrected, 0 unchanged." in client.get("/loans/").content.decode()
    assert Loan.objects.get().status == "settled"


def test_the_dashboard_shows_the_loan_tiles_table_and_charts(logged_in, regulator_user, bank_officer, loan):
    loan_reports_submit(
        actor=bank_officer,
        rows=json_rows(
            [{"loan": loan.pk, "month": this_month(), "balance": "400000", "overdue_days": 40, "status": "overdue"}]
        ),
    )

    html = logged_in(regulator_user).get("/dashboard/?group_by=region").content.decode()

    row = re.search(
        r'<table class="table stats" data-testid="loans-table">.*?<tr data-key="410100">(.*?)</tr>', html, re.S
    )
    assert row and '<td class="num" data-col="loans">1</td>' in row.group(1)
    assert 'data-col="overdue_rate">100.0%</td>' in row.group(1)
    assert 'data-testid="total-balance">400,000.00<' in html
    assert 'data-testid="total-average-rate">3.85%<' in html
    assert 'data-testid="chart-balance"' in html and 'data-testid="export-loans-csv"' in html
    assert Decimal(Loan.objects.get().amount) == Decimal("600000")
