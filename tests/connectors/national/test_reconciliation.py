"""A day's reconciliation: each side's counts per fact type, and the differences."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from connectors.models import UplinkFact, UplinkReconciliation
from connectors.national.reconciliation import national_reconcile
from tests.connectors.national.test_uplink import drain_until_quiet, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def national_node(national_nodes):
    return national_nodes(validate=False, reject_types=frozenset({"monthly_statistics"}))


def test_both_sides_agree_once_everything_is_acknowledged(national_link, capsys):
    record(4)
    record(1, "monthly_statistics")
    drain_until_quiet()
    record(2, "loan_application")  # recorded, not yet sent

    report = national_reconcile(day=timezone.localdate())

    assert report.hub_counts["enterprise_registration"] == {
        "recorded": 4,
        "sent": 4,
        "acknowledged": 4,
        "rejected": 0,
        "pending": 0,
    }
    assert report.hub_counts["monthly_statistics"]["rejected"] == 1
    assert report.hub_counts["loan_application"]["pending"] == 2
    assert report.national_counts["enterprise_registration"] == {"accepted": 4, "rejected": 0}
    assert report.national_counts["monthly_statistics"] == {"accepted": 0, "rejected": 1}
    assert report.differences == []


def test_the_command_lists_what_differs_and_exits_1(national_link, capsys):
    record(3)
    drain_until_quiet()
    # A fact the national side acknowledged, whose record the hub lost in a restore.
    UplinkFact.objects.order_by("id").first().delete()

    with pytest.raises(SystemExit) as exit_info:
        call_command("reconcile_national", "--day", timezone.localdate().isoformat())

    output = capsys.readouterr().out
    assert exit_info.value.code == 1
    assert "DIFFERENT: enterprise_registration acknowledged: hub 2, national 3" in output
    report = UplinkReconciliation.objects.get(day=timezone.localdate())
    assert report.differences == [{"type": "enterprise_registration", "count": "acknowledged", "hub": 2, "national": 3}]


def test_another_day_is_counted_apart(national_link, capsys):
    record(2)
    drain_until_quiet()
    call_command("reconcile_national", "--day", (timezone.localdate() - timedelta(days=1)).isoformat())
    assert "OK: both sides agree." in capsys.readouterr().out


def test_the_command_refuses_a_bad_day_and_a_link_that_is_off(national_link, settings):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("reconcile_national", "--day", "2027-13-01")
    settings.HUB_NATIONAL_URL = ""
    with pytest.raises(CommandError, match="HUB_NATIONAL_URL"):
        call_command("reconcile_national")
