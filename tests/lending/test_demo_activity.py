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
