"""Celery tasks of the connectors app: ids in, one service call (STYLE.md rule 6)."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from connectors.base import ConnectorError
from connectors.models import Connector
from connectors.national.downlink import national_demands_pull
from connectors.national.facts import uplink_enabled
from connectors.national.reconciliation import national_reconcile
from connectors.national.uplink import uplink_batch_run, uplink_drain
from connectors.services.connectors import connector_check_health
from connectors.services.disputes import dispute_forward, disputes_track
from connectors.services.notices import credit_repair_notices_send
from connectors.services.pulls import credit_pull_run
from connectors.services.reports import credit_report_issue
from connectors.services.retention import retention_purge
from hub.services.jobs import JobBusy


@shared_task(bind=True, name="connectors.run_credit_pull", max_retries=30)
def run_credit_pull(self, pull_id: int) -> str:
    try:
        return credit_pull_run(pull_id=pull_id)
    except JobBusy as busy:
        # Another delivery holds the lease (or held it when its worker died): come back
        # when the lease lapses; the resumed run picks up where that one stopped.
        raise self.retry(countdown=busy.retry_after) from None


@shared_task(name="connectors.check_connector_health")
def check_connector_health(connector_id: int) -> str:
    return connector_check_health(connector_id=connector_id).health_state


@shared_task(name="connectors.check_all_connectors")
def check_all_connectors() -> int:
    ids = list(Connector.objects.filter(status=Connector.Status.ACTIVE).values_list("pk", flat=True))
    for connector_id in ids:
        check_connector_health.delay(connector_id)
    return len(ids)


@shared_task(name="connectors.send_credit_repair_notices")
def send_credit_repair_notices() -> int:
    return credit_repair_notices_send()


@shared_task(name="connectors.purge_past_retention")
def purge_past_retention() -> dict:
    return retention_purge()


@shared_task(bind=True, name="connectors.forward_dispute", max_retries=8)
def forward_dispute(self, dispute_id: int) -> str:
    try:
        return dispute_forward(dispute_id=dispute_id)
    except ConnectorError as error:
        # Transient (the platform is down or throttles): back off; once the retries are
        # spent, the scheduled round forwards it (the row stays submitted). Run in-process
        # (no broker), the request that filed it must not wait: the round takes over at once.
        if self.request.is_eager:
            return "submitted"
        countdown = error.retry_after or min(900, 30 * 2**self.request.retries)
        raise self.retry(countdown=countdown) from None


@shared_task(name="connectors.track_disputes")
def track_disputes() -> dict:
    return disputes_track()


@shared_task(name="connectors.issue_credit_report_of_pull")
def issue_credit_report_of_pull(pull_id: int) -> str:
    return credit_report_issue(pull_id=pull_id)


# --- the national link (docs/national-uplink.md) ------------------------------------------------


@shared_task(name="connectors.send_national_uplink")
def send_national_uplink() -> int:
    return uplink_drain()


@shared_task(name="connectors.send_national_batch")
def send_national_batch(batch_id: int) -> str:
    """A batch queued again by the reaper (its run died): send it, then go on with the rest."""
    outcome = uplink_batch_run(batch_id)
    if outcome == "acknowledged":
        uplink_drain()
    return outcome


@shared_task(name="connectors.pull_national_demands")
def pull_national_demands() -> int:
    return national_demands_pull()


@shared_task(name="connectors.reconcile_national_yesterday")
def reconcile_national_yesterday() -> int:
    if not uplink_enabled():
        return 0
    return len(national_reconcile(day=timezone.localdate() - timedelta(days=1)).differences)
