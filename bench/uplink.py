"""The national uplink: 1,000,000 queued facts drained to the national node simulator on
loopback by the real sender (batches formed in sequence order, signed, acknowledged, applied)
against a bare ``COPY (SELECT … ) TO STDOUT`` of the same outbox rows, in the same run. Goals
(issue 15): facts per second ≥ 0.1 of COPY's rows per second; the sender's peak memory under
200 MB.

    .venv/bin/python bench/uplink.py [--facts 1000000] [--batch-size 5000]

The sender and the national node each run in a process of their own, so the sender's peak
memory (ru_maxrss) is its own and the two do not share one interpreter's lock.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

from setup_django import ROOT, setup

BENCH = str(Path(__file__).parent)
KEY_ID, SECRET = "bench", secrets.token_hex(16)

NODE = """
import sys, time
sys.path.insert(0, {bench!r})
from setup_django import setup
setup()
from connectors.national.simulator import NationalConfig, start_national_node
node = start_national_node(NationalConfig(key_id={key_id!r}, secret={secret!r}, validate=False, keep_facts=False),
                           port={port})
print("ready", flush=True)
while True:
    time.sleep(60)
"""

SENDER = """
import json, resource, sys, time
sys.path.insert(0, {bench!r})
from setup_django import setup
setup()
from connectors.national.uplink import uplink_drain
started = time.perf_counter()
answered = uplink_drain(seconds=3600)
elapsed = time.perf_counter() - started
print(json.dumps({{"answered": answered, "elapsed": elapsed,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def queue_facts(count: int) -> None:
    """The outbox as a day of changes leaves it: loan application decisions, each with the data
    its builder writes (generated in SQL: a million inserts through the ORM would be the
    benchmark)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE connectors_uplinkfact, connectors_uplinkbatch, connectors_nationallink RESTART IDENTITY"
        )
        cursor.execute(
            """
            INSERT INTO connectors_uplinkfact
                (fact_type, schema, idempotency_key, occurred_at, data, parked, reason_code, reason, created_at)
            SELECT 'loan_application_decision',
                   'urn:xinyidai-hub:national-uplink:fact:loan_application_decision:1',
                   'loan_application_decision:' || md5(n::text),
                   now() - (n || ' milliseconds')::interval,
                   jsonb_build_object(
                       'application_id', 'hub-' || n, 'uscc', '91410105MA' || lpad(n::text, 8, '0'),
                       'region_code', '410105', 'status', 'approved', 'bank_code', 'ZYBANK',
                       'at', to_char(now(), 'YYYY-MM-DD"T"HH24:MI:SS+08:00'),
                       'approved', jsonb_build_object('amount', (n %% 900000 + 100000) || '.00', 'rate', '3.8500',
                           'term_months', 12, 'guarantee', 'credit', 'first_loan', n %% 2 = 0,
                           'pure_credit', n %% 3 = 0, 'renewal', false)),
                   false, '', '', now()
            FROM generate_series(1, %s) AS n
            """,
            [count],
        )
        cursor.execute("ANALYZE connectors_uplinkfact")


def copy_baseline() -> tuple[float, int]:
    from django.db import connection

    started = time.perf_counter()
    size = 0
    with connection.cursor() as cursor:
        with cursor.connection.cursor().copy(
            "COPY (SELECT id, fact_type, schema, idempotency_key, occurred_at, data FROM connectors_uplinkfact"
            " ORDER BY id) TO STDOUT"
        ) as copy:
            for block in copy:
                size += len(block)
    return time.perf_counter() - started, size


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--facts", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=5000)
    options = parser.parse_args()
    database_url = setup()
    queue_facts(options.facts)
    copy_seconds, copy_bytes = copy_baseline()

    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"}
    node = subprocess.Popen(
        [sys.executable, "-c", NODE.format(bench=BENCH, key_id=KEY_ID, secret=SECRET, port=port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert node.stdout.readline().strip() == "ready"
        link = {
            "HUB_NATIONAL_URL": f"http://127.0.0.1:{port}",
            "HUB_NATIONAL_KEY_ID": KEY_ID,
            "HUB_NATIONAL_SECRET": SECRET,
            "HUB_NATIONAL_REGION_CODE": "410000",
            "HUB_NATIONAL_BATCH_SIZE": str(options.batch_size),
            "HUB_OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8",
            "HUB_CONNECTOR_TIMEOUT_SECONDS": "60",
        }
        result = subprocess.run(
            [sys.executable, "-c", SENDER.format(bench=BENCH)],
            env={**env, **link},
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            print(result.stderr[-3000:])
            raise SystemExit(1)
        outcome = json.loads(result.stdout.strip().splitlines()[-1])
        import ipaddress

        from django.conf import settings

        from connectors.national.client import NationalClient

        settings.HUB_OUTBOUND_ALLOWED_NETWORKS = [ipaddress.ip_network("127.0.0.0/8")]

        client = NationalClient(base_url=link["HUB_NATIONAL_URL"], key_id=KEY_ID, secret=SECRET, timeout=60)
        from django.utils import timezone

        counts = client.counts(timezone.localdate().isoformat())["counts"]
    finally:
        node.terminate()
        node.wait(timeout=10)

    from connectors.models import UplinkBatch, UplinkFact

    pending = UplinkFact.objects.filter(batch__isnull=True, parked=False).count()
    acknowledged = UplinkBatch.objects.filter(status="acknowledged").count()
    stored = sum(row.get("accepted", 0) for row in counts.values())
    copy_rate = options.facts / copy_seconds
    send_rate = outcome["answered"] / outcome["elapsed"]
    print(f"facts: {options.facts}, batches of {options.batch_size}: {acknowledged} acknowledged, {pending} pending")
    print(f"the national node holds {stored} facts (each key once)")
    print(
        f"COPY (SELECT … outbox) TO STDOUT:  {copy_seconds:6.1f} s  {copy_rate:10.0f} rows/s  ({copy_bytes / 2**20:.0f} MB)"
    )
    print(f"uplink drained to the node:       {outcome['elapsed']:6.1f} s  {send_rate:10.0f} facts/s")
    print(f"ratio uplink/COPY (goal >= 0.1): {send_rate / copy_rate:.3f}")
    print(f"peak memory of the sender (goal < 200 MB): {outcome['peak_mb']:.0f} MB")


if __name__ == "__main__":
    main()
