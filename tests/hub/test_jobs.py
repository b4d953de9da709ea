"""Leased jobs: one run at a time, a lapsed lease taken over, the loser told when to return."""

from datetime import timedelta

import pytest
from django.utils import timezone

from connectors.models import CreditPull
from hub.services.jobs import JobBusy, job_busy, job_claim
from tests.connectors.factories import AuthorizationFactory

pytestmark = pytest.mark.django_db

LEASE = timedelta(seconds=60)


@pytest.fixture
def pull(bank_officer, enterprise):
    authorization = AuthorizationFactory(enterprise=enterprise, bank=bank_officer.organization)
    return CreditPull.objects.create(
        bank=bank_officer.organization,
        enterprise=enterprise,
        authorization=authorization,
        categories=["tax"],
        requested_by=bank_officer,
    )


def claim(pull):
    return job_claim(CreditPull, pull.pk, lease=LEASE, running="running", claimable=("queued", "running"))


def test_one_run_holds_the_lease_and_the_other_is_told_when_to_come_back(pull):
    assert claim(pull) is True
    assert claim(pull) is False

    busy = job_busy(CreditPull, pull.pk)

    assert isinstance(busy, JobBusy) and 55 <= busy.retry_after <= 60
    pull.refresh_from_db()
    assert (pull.status, pull.runs) == ("running", 1) and pull.started_at is not None


def test_a_lapsed_lease_is_taken_over_and_the_start_time_kept(pull):
    claim(pull)
    pull.refresh_from_db()
    started = pull.started_at
    CreditPull.objects.filter(pk=pull.pk).update(lease_until=timezone.now() - timedelta(seconds=1))

    assert claim(pull) is True
    pull.refresh_from_db()
    assert pull.runs == 2 and pull.started_at == started


def test_a_finished_job_is_never_claimed(pull):
    CreditPull.objects.filter(pk=pull.pk).update(status="succeeded")

    assert claim(pull) is False


def test_a_whitelist_import_run_meets_a_held_lease_as_busy(platform_admin):
    from whitelist.models import Whitelist, WhitelistImport
    from whitelist.services.imports import import_run

    whitelist = Whitelist.objects.create(
        owner=platform_admin.organization, name="专精特新", kind="specialized", region_code="410100"
    )
    job = WhitelistImport.objects.create(
        whitelist=whitelist,
        uploaded_by=platform_admin,
        original_name="a.csv",
        file_format="csv",
        file_sha256="0" * 64,
        status="running",
        lease_until=timezone.now() + LEASE,
    )

    with pytest.raises(JobBusy):
        import_run(import_id=job.pk)
