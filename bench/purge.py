"""Retention purge: 1,000,000 credit records due for deletion among 5,000,000 (100,000
enterprises × 50 records; a fifth of them granted an authorization revoked 60 days ago, the
others one in force), purged by the real service while credit profiles are read through
gunicorn. Printed, each against a baseline measured in the same run (issue 14):

- records deleted per second by the purge against a bare ``DELETE … WHERE id = ANY(…)`` of the
  same rows in batches of the same size, each batch rolled back so the purge finds them
  (goal ≥ 0.5). Both are measured under the same concurrent profile reads, so they share the
  cores alike. The baseline still has it easier: a rolled-back batch never commits (no WAL
  flush) and never runs the deferred foreign-key checks of the holds, which the purge's
  committed batches do;
- profile-read p99 during the purge against p99 without it, with nothing else running
  (goal ≤ 1.5).

The readers run in a process of their own, so the purge's Python does not hold up the
clients' threads. The purge's phases are printed too: time per kind of statement, commits,
receipt signing, and the rest (the purge's own Python).

    .venv/bin/python bench/purge.py [--scale 1.0] [--batch 1000] [--seconds 15]

``--scale 0.02`` runs it on 2,000 enterprises for a quick look. The kept records are
generated once (COPY) and reused; the due ones are made again by every run.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from setup_django import ROOT, median, percentile, setup

BANK_CODE = "BENCH-PURGE-BANK"
PASSWORD = "Bench-purge-2026"
RECORDS_PER_ENTERPRISE = 50
CATEGORIES = ["tax"] * 20 + ["social_insurance"] * 15 + ["housing_fund"] * 10 + ["penalty"] * 5  # 50
DUE_EVERY = 5  # every fifth enterprise's authorization is past retention


def _payloads():
    from connectors.models import CreditRecord
    from connectors.simulator.data import records_for
    from hub import crypto
    from hub.identifiers import make_uscc

    context = CreditRecord._meta.get_field("data").encryption_context
    pool = {}
    for index in range(20):
        uscc = make_uscc(region_code="410100", serial=80_000_000 + index)
        for category in set(CATEGORIES):
            for record in records_for(uscc, category, seed="bench")[:10]:
                text = json.dumps(record["data"], ensure_ascii=False, separators=(",", ":"))
                pool.setdefault(category, []).append((crypto.encrypt(text, context=context), record["occurred_on"]))
    return pool


def _basics():
    from connectors.models import Connector
    from hub.models import Organization, User

    platform, _ = Organization.objects.get_or_create(
        kind="platform", code="BENCH-PURGE-PLATFORM", defaults={"name": "bench purge platform", "region_code": "410000"}
    )
    bank, _ = Organization.objects.get_or_create(
        kind="bank", code=BANK_CODE, defaults={"name": "bench purge bank", "region_code": "410000"}
    )
    officer = User.objects.filter(username="bench-purge-officer").first() or User.objects.create_user(
        username="bench-purge-officer", password=PASSWORD, organization=bank
    )
    connector, _ = Connector.objects.get_or_create(
        name="bench-purge",
        defaults={
            "platform": platform,
            "kind": "cdp_http_v1",
            "base_url": "http://127.0.0.1:9",
            "region_codes": ["410000"],
            "categories": sorted(set(CATEGORIES)),
            "status": "suspended",
        },
    )
    return bank, officer, connector


def generate(enterprises: int) -> list[int]:
    """Enterprises (verified) with an authorization each and 50 held records; the due fifth's
    authorizations are revoked 60 days ago and their records made again. Returns the due
    authorizations' ids."""
    from django.db import connection

    from connectors import record_keys
    from connectors.models import CreditRecord
    from hub.identifiers import make_uscc
    from hub.models import Organization

    bank, officer, connector = _basics()
    started = time.perf_counter()
    now = datetime.now(UTC)
    have = Organization.objects.filter(kind="enterprise", name__startswith="bench-purge-").count()
    category_field = CreditRecord._meta.get_field("category")
    source_id_field = CreditRecord._meta.get_field("source_id")
    pool = _payloads()
    with connection.cursor() as cursor:
        raw = cursor.connection
        if have < enterprises:
            print(f"generating {enterprises - have} enterprises …", flush=True)
            with raw.cursor().copy(
                "COPY hub_organization (kind, code, name, region_code, industry_code, scale, legal_representative, "
                "legal_representative_id_number, legal_representative_id_index, contact_phone, is_active, created_at) "
                "FROM STDIN"
            ) as copy:
                for index in range(have, enterprises):
                    uscc = make_uscc(region_code="410100", serial=20_000_000 + index)
                    copy.write_row(
                        (
                            "enterprise",
                            uscc,
                            f"bench-purge-{index}",
                            "410105",
                            "I65",
                            "small",
                            "",
                            "",
                            "",
                            "",
                            True,
                            now,
                        )
                    )
            cursor.execute(
                "INSERT INTO hub_verification (enterprise_id, uscc, status, method, level, verified_at, reason, "
                "closed, signers_required, updated_at) "
                "SELECT id, code, 'verified', 'document_review', 'substantial', %s, '', false, '{}', %s "
                "FROM hub_organization o WHERE name LIKE 'bench-purge-%%' "
                "AND NOT EXISTS (SELECT 1 FROM hub_verification v WHERE v.enterprise_id = o.id)",
                [now, now],
            )
            cursor.execute(
                "INSERT INTO hub_authorization (enterprise_id, bank_id, scopes, purpose, status, granted_at, "
                "expires_at, revoked_at, application_id, granted_by_id, receipt) "
                "SELECT o.id, %s, %s, 'loan_review', 'active', %s, %s, NULL, NULL, %s, 'bench' "
                "FROM hub_organization o WHERE o.name LIKE 'bench-purge-%%' "
                "AND NOT EXISTS (SELECT 1 FROM hub_authorization a WHERE a.enterprise_id = o.id)",
                [bank.pk, json.dumps(sorted(set(CATEGORIES))), now, now + timedelta(days=300), officer.pk],
            )
        cursor.execute(
            "SELECT o.id, o.code, a.id, split_part(o.name, '-', 3)::int FROM hub_organization o "
            "JOIN hub_authorization a ON a.enterprise_id = o.id "
            "WHERE o.name LIKE 'bench-purge-%%' AND split_part(o.name, '-', 3)::int < %s ORDER BY o.id",
            [enterprises],
        )
        rows = cursor.fetchall()
        # Every run: the due fifth is revoked and its records are made again (the last run
        # deleted them); the others keep theirs once generated.
        due = [row for row in rows if row[3] % DUE_EVERY == 0]
        due_authorizations = [authorization_id for _id, _code, authorization_id, _index in due]
        cursor.execute(
            "UPDATE hub_authorization SET status = 'revoked', revoked_at = %s WHERE id = ANY(%s)",
            [now - timedelta(days=60), due_authorizations],
        )
        cursor.execute(
            "SELECT DISTINCT enterprise_id FROM connectors_creditrecord WHERE connector_id = %s", [connector.pk]
        )
        stocked = {enterprise_id for (enterprise_id,) in cursor.fetchall()}
        missing = [row for row in rows if row[0] not in stocked]
        print(f"storing records of {len(missing)} enterprises …", flush=True)
        rng = random.Random(11)
        with raw.cursor().copy(
            "COPY connectors_creditrecord (enterprise_id, connector_id, category, category_key, source_id, "
            "source_key, occurred_on, data, fingerprint, fetched_at, repair_notice_due_on, repair_notice_sent) "
            "FROM STDIN"
        ) as copy:
            for enterprise_id, uscc, _authorization_id, _index in missing:
                for position, category in enumerate(CATEGORIES):
                    ciphertext, occurred_on = rng.choice(pool[category])
                    source_id = f"{uscc}-{category}-{position}"
                    copy.write_row(
                        (
                            enterprise_id,
                            connector.pk,
                            category_field.encrypt(category),
                            record_keys.category_key(enterprise_id, category),
                            source_id_field.encrypt(source_id),
                            record_keys.source_key(category, source_id),
                            occurred_on,
                            ciphertext,
                            "0" * 64,
                            now,
                            None,
                            False,
                        )
                    )
        cursor.execute(
            "INSERT INTO connectors_creditrecordhold (authorization_id, record_id) "
            "SELECT a.id, r.id FROM connectors_creditrecord r JOIN hub_authorization a ON a.enterprise_id = r.enterprise_id "
            "WHERE r.connector_id = %s AND a.enterprise_id = ANY(%s) ON CONFLICT DO NOTHING",
            [connector.pk, [row[0] for row in missing]],
        )
        cursor.execute("ANALYZE")
    print(f"data ready in {time.perf_counter() - started:.0f} s", flush=True)
    return due_authorizations


def bare_delete(due_authorizations: list[int], batch: int) -> tuple[int, float]:
    """The same rows, deleted by id in batches of the same size, each rolled back; returns
    how many, and the seconds the deletes took."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT record_id FROM connectors_creditrecordhold WHERE authorization_id = ANY(%s) ORDER BY record_id",
            [due_authorizations],
        )
        ids = [record_id for (record_id,) in cursor.fetchall()]
    started = time.perf_counter()
    for offset in range(0, len(ids), batch):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("DELETE FROM connectors_creditrecord WHERE id = ANY(%s)", [ids[offset : offset + batch]])
                raise _RollBack
        except _RollBack:
            pass
    return len(ids), time.perf_counter() - started


class _RollBack(Exception):
    pass


def _read_until_stopped(url, token, paths, concurrency, stop, results) -> None:
    """Profile reads from ``concurrency`` threads until ``stop``; sends (start, latency) pairs."""
    import threading

    import requests

    samples, errors, lock = [], [0], threading.Lock()

    def worker(index):
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        rng = random.Random(index)
        mine = []
        while not stop.is_set():
            started = time.time()
            response = session.get(url + rng.choice(paths))
            mine.append((started, time.time() - started))
            if response.status_code != 200:
                with lock:
                    errors[0] += 1
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.send((samples, errors[0]))


class Readers:
    """Profile reads in a process of their own while the block runs; ``latencies`` are those
    of the reads started between :meth:`begin` and the block's end."""

    def __init__(self, url, token, paths, concurrency):
        self.arguments = (url, token, paths, concurrency)

    def __enter__(self):
        context = multiprocessing.get_context("spawn")
        self.stop = context.Event()
        self.results, sending = context.Pipe(duplex=False)
        self.process = context.Process(target=_read_until_stopped, args=(*self.arguments, self.stop, sending))
        self.process.start()
        time.sleep(2)  # the process is up and reading
        return self

    def begin(self):
        self.began = time.time()

    def __exit__(self, *exc):
        ended = time.time()
        self.stop.set()
        samples, self.errors = self.results.recv()
        self.process.join()
        self.latencies = [latency for started, latency in samples if self.began <= started <= ended]


class Phases:
    """Where the purge's time goes: statements by kind (verb, table, FOR UPDATE), commits,
    receipt signing; the rest is the purge's own Python."""

    TABLE = re.compile(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', re.IGNORECASE)

    def __init__(self):
        self.seconds = defaultdict(float)
        self.counts = defaultdict(int)

    def add(self, kind, seconds):
        self.seconds[kind] += seconds
        self.counts[kind] += 1

    def statement(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            verb = sql.split(None, 1)[0].upper()
            if verb == "WITH":  # the statement after the common table expressions
                verb = re.search(r"\)\s*(SELECT|INSERT|UPDATE|DELETE)\b", sql).group(1).upper()
            table = self.TABLE.search(sql)
            kind = f"{verb} {table.group(1) if table else '?'}" + (" FOR UPDATE" if "FOR UPDATE" in sql else "")
            self.add(kind, time.perf_counter() - started)

    def timed(self, kind, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.add(kind, time.perf_counter() - started)

        return wrapper

    def print(self, total):
        print("purge phases:")
        for kind, seconds in sorted(self.seconds.items(), key=lambda item: -item[1]):
            print(
                f"  {kind:48s} {self.counts[kind]:7d} × {seconds / self.counts[kind] * 1000:7.2f} ms = {seconds:7.2f} s"
            )
        rest = total - sum(self.seconds.values())
        print(f"  {'the rest (Python)':48s} {'':19s} = {rest:7.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 100,000 enterprises (5,000,000 records)")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=15, help="profile reads measured without the purge")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()
    database_url = setup()
    enterprises = max(DUE_EVERY, int(100_000 * options.scale))
    due_authorizations = generate(enterprises)

    from django.db import connection
    from profile_reads import load

    from connectors.models import CreditRecord
    from connectors.services import retention
    from hub.models import Organization
    from hub.services.tokens import api_token_issue

    token, _ = api_token_issue(username="bench-purge-officer", password=PASSWORD)
    kept = list(
        Organization.objects.filter(
            kind="enterprise", name__startswith="bench-purge-", authorizations_granted__status="active"
        ).values_list("code", flat=True)
    )
    total_records = CreditRecord.objects.filter(connector__name="bench-purge").count()
    port = 8766
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "HUB_THROTTLE_ORGANIZATION": "100000000/min",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    env.pop("REDIS_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "hub.wsgi:application", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", str(options.workers), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    phases = Phases()
    try:
        import requests

        for _ in range(100):
            try:
                requests.get(f"{url}/healthz", timeout=5)
                break
            except requests.RequestException:
                time.sleep(0.2)
        paths = [
            f"/api/v1/enterprises/{uscc}/credit-profile/"
            for uscc in random.Random(3).sample(kept, min(20_000, len(kept)))
        ]
        load(url, token, paths, 3, options.concurrency)  # warm up every worker
        quiet_rate, quiet_latencies, quiet_errors = load(url, token, paths, options.seconds, options.concurrency)
        with Readers(url, token, paths, options.concurrency) as bare_readers:
            bare_readers.begin()
            due_records, bare_seconds = bare_delete(due_authorizations, options.batch)
        with Readers(url, token, paths, options.concurrency) as purge_readers:
            connection._commit = phases.timed("COMMIT", connection._commit)
            retention._issue_receipt = phases.timed("receipt signing (Ed25519)", retention._issue_receipt)
            purge_readers.begin()
            started = time.perf_counter()
            with connection.execute_wrapper(phases.statement):
                totals = retention.retention_purge(batch_size=options.batch)
            purge_seconds = time.perf_counter() - started
        connection.close()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    bare_rate = due_records / bare_seconds
    purge_rate = totals["deleted"] / purge_seconds
    quiet_p99 = percentile(quiet_latencies, 0.99)
    busy_p99 = percentile(purge_readers.latencies, 0.99)
    print(
        f"data: {enterprises} enterprises, {total_records} records, {due_records} due "
        f"({len(due_authorizations)} authorizations); batches of {options.batch}; gunicorn {options.workers} "
        f"workers, {options.concurrency} concurrent readers"
    )
    phases.print(purge_seconds)
    print(f"bare DELETE by id:  {bare_rate:10.0f} records/s  ({bare_seconds:.1f} s, profile reads alongside)")
    print(
        f"retention purge:    {purge_rate:10.0f} records/s  ({totals['deleted']} deleted, "
        f"{totals['receipts']} receipts, {purge_seconds:.1f} s, profile reads alongside)"
    )
    print(f"ratio purge/bare (goal >= 0.5): {purge_rate / bare_rate:.2f}")
    print(
        f"profile reads alone:        {quiet_rate:7.1f} req/s  p50 {median(quiet_latencies) * 1000:6.1f} ms  "
        f"p99 {quiet_p99 * 1000:6.1f} ms  errors {quiet_errors}"
    )
    for label, readers, seconds in (
        ("during bare DELETE", bare_readers, bare_seconds),
        ("during purge", purge_readers, purge_seconds),
    ):
        print(
            f"profile reads {label + ':':19s} {len(readers.latencies) / seconds:7.1f} req/s  "
            f"p50 {median(readers.latencies) * 1000:6.1f} ms  p99 {percentile(readers.latencies, 0.99) * 1000:6.1f} ms"
            f"  errors {readers.errors}"
        )
    print(f"ratio p99 during purge/alone (goal <= 1.5): {busy_p99 / quiet_p99:.2f}")


if __name__ == "__main__":
    main()
