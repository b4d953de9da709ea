"""Webhook delivery at volume: 20,000 events (an event each for one of 20 organizations'
endpoints, 1,000 per endpoint) delivered by a Celery worker on Redis to 20 endpoints of a
receiver on loopback that answers 5 % of requests 500 at random, with a short retry schedule
(HUB_WEBHOOK_RETRY_BASE_MS / _CAP_MS) so the retries finish within the run.

Printed: the Celery worker's rate on a no-op task (same worker, same queue, same run);
delivered events per second and its ratio to the no-op rate (goal ≥ 0.3); p50 / p99 from an
event's commit to its first attempt at the receiver (goal p99 < 2 s); and, after every
delivery has ended, the webhook-ids lost (never answered 2xx) and duplicated (answered 2xx
more than once) at the receiver (goal 0 and 0). The receiver checks every signature.

    .venv/bin/python bench/webhooks.py [--events 20000] [--endpoints 20] [--concurrency 4]

BENCH_DATABASE_URL (PostgreSQL, default hub_bench) and BENCH_REDIS_URL (default db 14).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from setup_django import ROOT, median, percentile, setup

NOOP_TASKS = 5_000
FAILURE_SHARE = 0.05
BATCH = 50  # events written per transaction
EVENT_TYPE = "application.submitted"


class Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, secrets: dict[str, str]):
        self.secrets = secrets  # path → secret
        self.lock = threading.Lock()
        self.first_seen: dict[str, float] = {}
        self.acknowledged: Counter[str] = Counter()
        self.bad_signatures = 0
        self.random = random.Random("bench-webhooks")
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver behind a proxy
    server: Receiver

    def do_POST(self):
        from hub.webhooks.signing import signature_verifies

        arrived = time.time()
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        webhook_id = self.headers.get("webhook-id", "")
        secret = self.server.secrets.get(self.path)
        verified = secret is not None and signature_verifies(
            secret,
            message_id=webhook_id,
            timestamp=int(self.headers.get("webhook-timestamp", "0")),
            body=body,
            header=self.headers.get("webhook-signature", ""),
        )
        with self.server.lock:
            self.server.first_seen.setdefault(webhook_id, arrived)
            status = 500 if self.server.random.random() < FAILURE_SHARE else 200
            if not verified:
                self.server.bad_signatures += 1
                status = 401
            if status == 200:
                self.server.acknowledged[webhook_id] += 1
        answer = b'{"ok":true}' if status == 200 else b'{"ok":false}'
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def prepare(endpoints: int, receiver_port: int) -> tuple[list, dict[str, str]]:
    """The bench's organizations, each with one endpoint; earlier runs' events removed."""
    from hub.models import Notification, Organization, WebhookEndpoint, WebhookEvent
    from hub.webhooks.signing import secret_generate

    organizations, secrets = [], {}
    for number in range(endpoints):
        organization, _ = Organization.objects.get_or_create(
            kind="bank",
            code=f"BENCH-WH-{number:02d}",
            defaults={"name": f"bench-webhooks-{number}", "region_code": "410100"},
        )
        WebhookEvent.objects.filter(organization=organization).delete()
        Notification.objects.filter(organization=organization).delete()
        WebhookEndpoint.objects.filter(organization=organization).delete()
        secret = secret_generate()
        path = f"/hooks/{number}"
        WebhookEndpoint.objects.create(
            organization=organization,
            url=f"http://127.0.0.1:{receiver_port}{path}",
            event_types=[EVENT_TYPE],
            secret=secret,
        )
        organizations.append(organization)
        secrets[path] = secret
    return organizations, secrets


def noop_rate(redis_client) -> float:
    from celery import current_app

    redis_client.delete("bench:webhooks:noop")
    started = time.perf_counter()
    for _ in range(NOOP_TASKS):
        current_app.send_task("bench.webhooks.noop", queue="webhooks")
    while int(redis_client.get("bench:webhooks:noop") or 0) < NOOP_TASKS:
        time.sleep(0.05)
    return NOOP_TASKS / (time.perf_counter() - started)


def produce(organizations: list, events: int) -> tuple[dict[str, float], float]:
    """Write the events through the outbox, BATCH to a transaction, round-robin over the
    organizations; returns each webhook-id's commit time and the writing rate."""
    from django.db import transaction

    from hub.services.events import event_record

    committed: dict[str, float] = {}
    started = time.perf_counter()
    for first in range(0, events, BATCH):
        with transaction.atomic():
            written = []
            for number in range(first, min(first + BATCH, events)):
                organization = organizations[number % len(organizations)]
                written += event_record(
                    type=EVENT_TYPE,
                    organization_ids=[organization.pk],
                    object_type="application",
                    object_id=number,
                    data={"application": number, "amount": "500000.00", "bank": organization.code},
                )
        moment = time.time()
        for event in written:
            committed[event.public_id] = moment
    return committed, events / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--endpoints", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=4, help="processes of the Celery worker")
    options = parser.parse_args()
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    short_retries = {"HUB_WEBHOOK_RETRY_BASE_MS": "200", "HUB_WEBHOOK_RETRY_CAP_MS": "2000"}
    os.environ.update(
        {"REDIS_URL": redis_url, "CELERY_TASK_ALWAYS_EAGER": "0", "HUB_OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8"}
    )
    os.environ.update(short_retries)
    database_url = setup()

    import redis

    from hub.models import WebhookDelivery
    from hub.services.jobs import leased_jobs_reap
    from hub.services.webhook_deliveries import webhook_deliveries_send_due

    redis_client = redis.Redis.from_url(redis_url)
    redis_client.flushdb()  # the bench's own Redis database: no message of an earlier run
    receiver = Receiver({})
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    organizations, receiver.secrets = prepare(options.endpoints, receiver.server_address[1])

    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "bench"), os.environ.get("PYTHONPATH", "")]),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "hub", "worker", "--queues", "webhooks",
         "--concurrency", str(options.concurrency), "--pool", "prefork", "--loglevel", "WARNING",
         "--without-gossip", "--without-mingle", "--include", "webhook_bench_tasks"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        from celery import current_app

        for _ in range(300):
            if current_app.control.ping(timeout=0.5):
                break
        baseline = noop_rate(redis_client)
        print(f"  no-op tasks: {baseline:.0f}/s", flush=True)

        started = time.time()
        committed, write_rate = produce(organizations, options.events)
        expected = set(committed)
        print(f"  {len(expected)} events written in {time.time() - started:.1f} s", flush=True)
        next_sweep = 0.0
        while True:
            if time.monotonic() >= next_sweep:  # what celery beat does in production
                leased_jobs_reap()
                webhook_deliveries_send_due()
                next_sweep = time.monotonic() + 5
            with receiver.lock:
                acknowledged = sum(1 for webhook_id in expected if receiver.acknowledged[webhook_id])
            if acknowledged == len(expected):
                break
            unfinished = WebhookDelivery.objects.filter(
                endpoint__organization__in=organizations, status__in=["queued", "sending", "retrying"]
            ).exists()
            if not unfinished and time.time() - started > 5:
                break  # every delivery ended: what is missing is lost
            time.sleep(0.1)
        elapsed = time.time() - started
        time.sleep(2)  # anything still in flight (a duplicate) arrives
        with receiver.lock:
            first_attempt = [receiver.first_seen[i] - committed[i] for i in expected if i in receiver.first_seen]
            lost = sum(1 for i in expected if not receiver.acknowledged[i])
            duplicated = sum(1 for i in expected if receiver.acknowledged[i] > 1)
        statuses = Counter(
            WebhookDelivery.objects.filter(endpoint__organization__in=organizations).values_list("status", flat=True)
        )
        retried = WebhookDelivery.objects.filter(endpoint__organization__in=organizations, attempts__gt=1).count()
        delivered_rate = (len(expected) - lost) / elapsed

        print(
            f"{len(expected)} events to {options.endpoints} endpoints, {FAILURE_SHARE:.0%} of answers 500; "
            f"a Celery worker of {options.concurrency} processes on Redis; retries "
            f"{short_retries['HUB_WEBHOOK_RETRY_BASE_MS']}–{short_retries['HUB_WEBHOOK_RETRY_CAP_MS']} ms"
        )
        print(f"  outbox writes:                 {write_rate:8.0f} events/s ({BATCH} per transaction)")
        print(f"  Celery no-op tasks:            {baseline:8.0f} tasks/s")
        print(
            f"  delivered:                     {delivered_rate:8.0f} events/s = {delivered_rate / baseline:.2f} of the "
            f"no-op rate (goal ≥ 0.3), all in {elapsed:.1f} s"
        )
        print(
            f"  commit → first attempt:        p50 {median(first_attempt) * 1000:.0f} ms, "
            f"p99 {percentile(first_attempt, 0.99) * 1000:.0f} ms (goal p99 < 2000 ms)"
        )
        print(f"  deliveries retried:            {retried} ({json.dumps(dict(statuses))})")
        print(f"  lost webhook-ids:              {lost} (goal 0)")
        print(f"  duplicated webhook-ids:        {duplicated} (goal 0)")
        print(f"  signatures that did not verify: {receiver.bad_signatures}")
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
        receiver.shutdown()


if __name__ == "__main__":
    main()
