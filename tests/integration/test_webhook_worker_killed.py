"""A worker killed whole in the middle of a webhook delivery (the receiver is slow, so the
request is on its way): the delivery's lease lapses, the reaper queues it again, and another
worker delivers the event — at least once, with the same webhook-id and a valid signature,
which is what the receiver deduplicates on."""

import os
import signal

import pytest

from hub.celery import app as celery_app
from hub.models import WebhookDelivery
from hub.services.jobs import leased_jobs_reap
from hub.services.webhooks import webhook_endpoint_create, webhook_test_send
from tests.hub.webhooks.receiver import standard_webhooks_verify, start_receiver
from tests.integration.conftest import SESSION_WORKER, start_worker, stop_worker, wait_for, worker_children, worker_name

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def session_worker_off_the_webhooks_queue(celery_worker_process):
    """The session's worker stops taking deliveries while a worker of the test's own takes one."""
    session_worker = worker_name(SESSION_WORKER)
    celery_app.control.cancel_consumer("webhooks", destination=[session_worker], reply=True)
    yield lambda: celery_app.control.add_consumer("webhooks", destination=[session_worker], reply=True)
    celery_app.control.add_consumer("webhooks", destination=[session_worker], reply=True)


@pytest.fixture
def slow_receiver():
    receiver = start_receiver()
    # The first request is answered only after 20 s: the worker is killed while it waits.
    receiver.answers = [(200, 20)]
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def test_an_event_whose_worker_died_mid_delivery_is_delivered_with_the_same_webhook_id(
    session_worker_off_the_webhooks_queue, slow_receiver, bank_admin, tmp_path
):
    endpoint, secret = webhook_endpoint_create(
        actor=bank_admin, url=slow_receiver.url, event_types=["application.submitted"]
    )
    log = tmp_path / "doomed-worker.log"
    doomed = start_worker(log=log, hostname=f"doomed-webhooks-{os.getpid()}@%h", queues="webhooks")
    delivery = webhook_test_send(actor=bank_admin, endpoint_id=endpoint.pk)
    wait_for(lambda: slow_receiver.received, timeout=30, message="the doomed worker's request")
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == "sending"

    for pid in [*worker_children(doomed), doomed.pid]:
        os.kill(pid, signal.SIGKILL)
    doomed.wait(timeout=10)
    session_worker_off_the_webhooks_queue()  # a live worker takes deliveries again

    # The schedule runs the reaper every HUB_JOB_REAP_SECONDS; here the test is the schedule.
    # The attempt's lease is 6 s: the delivery is queued again once that has lapsed.
    wait_for(leased_jobs_reap, timeout=30, interval=1, message="the reaper to queue the delivery again")
    wait_for(
        lambda: WebhookDelivery.objects.filter(pk=delivery.pk, status="delivered").exists(),
        timeout=60,
        message="the delivery to be made by the live worker",
    )

    received = slow_receiver.received
    assert len(received) >= 2  # the request of the killed worker, and the one that was answered
    assert {r.headers["webhook-id"] for r in received} == {delivery.event.public_id}
    assert all(standard_webhooks_verify(secret, r.headers, r.body) for r in received)
    delivered = WebhookDelivery.objects.get(pk=delivery.pk)
    assert delivered.runs == 2 and delivered.last_status_code == 200
    stop_worker(doomed, log)
