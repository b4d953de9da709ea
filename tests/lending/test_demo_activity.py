"""The demo shows the product: a year of activity across the province's cities."""

import pytest
from django.core.management import call_command
from django.db.models import Count

from lending.models import Application
from lending.models.stats import LendingByRegion

pytestmark = pytest.mark.django_db


def test_the_demo_activity_spreads_over_cities_months_and_outcomes(settings):
    settings.DEBUG = True
    call_command("load_demo", stdout=None)
    call_command("load_demo_lending", stdout=None)

    call_command("load_demo_activity", "--per-city", "2")
    call_command("load_demo_activity", "--per-city", "2")  # safe to run again

    applications = Application.objects.all()
    assert applications.values("region_code").annotate(n=Count("id")).count() >= 8
    assert {"disbursed", "rejected"} <= set(applications.values_list("status", flat=True))
    assert applications.filter(first_loan=True).exists() and applications.filter(pure_credit=True).exists()
    months = {moment.strftime("%Y-%m") for moment in applications.values_list("submitted_at", flat=True)}
    assert len(months) >= 4
    assert LendingByRegion.objects.count() >= 8  # the statistics were rebuilt


def test_the_demo_activity_reports_its_loans_month_by_month(settings):
    from lending.models import Loan, LoanCounters, LoanReport

    settings.DEBUG = True
    call_command("load_demo", stdout=None)
    call_command("load_demo_lending", stdout=None)

    call_command("load_demo_activity", "--per-city", "2")

    assert Loan.objects.count() == Application.objects.filter(status="disbursed").count() > 0
    statuses = set(LoanReport.objects.values_list("status", flat=True))
    assert {"active", "overdue", "settled", "renewed"} <= statuses
    renewed = LoanReport.objects.get(status="renewed")
    assert renewed.renewal_loan.renewal and renewed.renewal_loan.enterprise_id == renewed.loan.enterprise_id
    assert LoanReport.objects.values("month").distinct().count() >= 6
    assert LoanCounters.objects.filter(reported_loans__gt=0).exists()
    assert LoanCounters.objects.filter(first_loan_enterprises__gt=0).exists()
