"""The reaper: a job whose run died (its lease lapsed while it was running) or whose message
was lost (still queued long after it was created) is queued again, once per run; a job whose
runs kept dying is given up with the reason. And a run keeps its lease while it works."""

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from connectors.models import CreditPull, PullSource
from hub.services import jobs
from hub.services.jobs import JOB_ABANDONED, job_claim, job_lease_kept, leased_jobs_reap
from hub.tasks import reap_stranded_jobs
from tests.connectors.factories import AuthorizationFactory, ConnectorFactory


@pytest.fixture
def make_pull(bank_officer, enterprise):
    authorization = AuthorizationFactory(enterprise=enterprise, bank=bank_officer.organization)
    connector = ConnectorFactory(base_url="http://127.0.0.1:9/")

    def make(*, status="running", lease_until=None, runs=1, created_ago=timedelta(0), source_status="succeeded"):
        pull = CreditPull.objects.create(
            bank=bank_officer.organization,
            enterprise=enterprise,
            authorization=authorization,
            categories=["tax"],
            requested_by=bank_officer,
            status=status,
            lease_until=lease_until,
            runs=runs,
        )
        CreditPull.objects.filter(pk=pull.pk).update(created_at=timezone.now() - created_ago)
        PullSource.objects.create(pull=pull, connector=connector, status=source_status, categories=["tax"])
        return pull

    return make


class RecordedTask:
    """Stands in for a job's Celery task: records the ids it was queued with."""

    queued: list[int] = []

    @classmethod
    def delay(cls, job_id):
        cls.queued.append(job_id)


@pytest.fixture
def recorded_pull_task(monkeypatch):
    RecordedTask.queued = []
    kind = jobs._kinds["connectors.CreditPull"]
    monkeypatch.setitem(
        jobs._kinds,
        "connectors.CreditPull",
        jobs.LeasedJobKind(**{**kind.__dict__, "task": f"{__name__}.RecordedTask"}),
    )
    return RecordedTask.queued


def expired():
    return timezone.now() - timedelta(seconds=1)


@pytest.mark.django_db
def test_a_pull_whose_run_died_is_run_again_and_finishes(make_pull):
    # Its one source had finished when the worker died; nobody holds the lease any more.
    pull = make_pull(lease_until=expired())

    assert reap_stranded_jobs.apply().get() == 1

    pull.refresh_from_db()
    assert (pull.status, pull.runs) == ("succeeded", 2)


@pytest.mark.django_db
def test_jobs_still_working_or_finished_are_left_alone(make_pull, recorded_pull_task):
    make_pull(lease_until=timezone.now() + timedelta(seconds=30))
    make_pull(status="succeeded", lease_until=None)
    make_pull(status="queued", runs=0, created_ago=timedelta(seconds=5))

    assert leased_jobs_reap() == 0
    assert recorded_pull_task == []


@pytest.mark.django_db
def test_a_job_whose_message_was_lost_is_queued_again(make_pull, recorded_pull_task, settings):
    # The broker was down when the pull was queued: it has waited past the grace period.
    lost = make_pull(status="queued", runs=0, created_ago=timedelta(seconds=settings.HUB_JOB_QUEUED_GRACE_SECONDS + 1))

    assert leased_jobs_reap() == 1
    assert recorded_pull_task == [lost.pk]


@pytest.mark.django_db
def test_a_stranded_job_is_queued_again_once_until_a_run_claims_it(make_pull, recorded_pull_task):
    pull = make_pull(lease_until=expired())

    leased_jobs_reap()
    leased_jobs_reap()  # the first message waits in a backlog: no second one
    assert recorded_pull_task == [pull.pk]

    # A run claims it and dies as well: that is a new run to recover from.
    assert job_claim(CreditPull, pull.pk, lease=timedelta(seconds=-1), running="running", claimable=("running",))
    leased_jobs_reap()
    assert recorded_pull_task == [pull.pk, pull.pk]


@pytest.mark.django_db
def test_a_job_whose_runs_kept_dying_is_given_up_with_the_reason(make_pull, recorded_pull_task, settings):
    pull = make_pull(lease_until=expired(), runs=settings.HUB_TASK_MAX_DELIVERIES, source_status="running")

    assert leased_jobs_reap() == 1

    pull.refresh_from_db()
    source = pull.sources.get()
    reason = JOB_ABANDONED.format(runs=settings.HUB_TASK_MAX_DELIVERIES)
    assert (pull.status, source.status, source.error) == ("failed", "failed", reason)
    assert recorded_pull_task == []


@pytest.mark.django_db
def test_a_whitelist_import_whose_run_died_is_given_up_after_its_runs(platform_admin, settings):
    from whitelist.models import Whitelist, WhitelistImport

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
        runs=settings.HUB_TASK_MAX_DELIVERIES,
        lease_until=expired(),
    )

    assert leased_jobs_reap() == 1

    job.refresh_from_db()
    assert (job.status, job.error) == ("failed", JOB_ABANDONED.format(runs=settings.HUB_TASK_MAX_DELIVERIES))


@pytest.mark.django_db(transaction=True)
def test_a_run_keeps_its_lease_while_it_works(make_pull):
    pull = make_pull(status="queued", runs=0)
    lease = timedelta(seconds=0.6)
    assert job_claim(CreditPull, pull.pk, lease=lease, running="running", claimable=("queued",))
    assert not connection.in_atomic_block

    with job_lease_kept(CreditPull, pull.pk, lease=lease, running="running"):
        time.sleep(1.5)  # longer than the lease: only the renewals keep it
        pull.refresh_from_db()
        assert pull.lease_until > timezone.now()
        assert leased_jobs_reap() == 0

    # Once the run is over (or its process died), renewals stop and the lease lapses.
    time.sleep(0.7)
    pull.refresh_from_db()
    assert pull.lease_until < timezone.now()
