"""Retention purge: 1,000,000 credit records due for deletion among 5,000,000 (100,000
enterprises × 50 records; a fifth of them granted an authorization revoked 60 days ago, the
others one in force), purged by the real service while credit profiles are read through
gunicorn. Printed, each against a baseline measured in the same run (issue 14):

- records deleted per second by the purge against a bare ``DELETE … WHERE id = ANY(…)`` of the
  same rows in batches of the same size, each batch rolled back so the purge finds them
  (goal ≥ 0.5);
- profile-read p99 during the purge against p99 without it (goal ≤ 1.5).

    .venv/bin/python bench/purge.py [--scale 1.0] [--batch 1000] [--seconds 15]

``--scale 0.02`` runs it on 2,000 enterprises for a quick look. The kept records are
generated once (COPY) and reused; the due ones are made again by every run.
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


def bare_delete_rate(due_authorizations: list[int], batch: int) -> tuple[float, int]:
    """The same rows, deleted by id in batches of the same size, each rolled back."""
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
    return len(ids) / (time.perf_counter() - started), len(ids)


class _RollBack(Exception):
    pass


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
    from connectors.services.retention import retention_purge
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
        bare_rate, due_records = bare_delete_rate(due_authorizations, options.batch)
        quiet_rate, quiet_latencies, quiet_errors = load(url, token, paths, options.seconds, options.concurrency)

        # The purge in this thread; profile reads alongside it until it ends.
        during: dict = {}
        done = threading.Event()

        def read_while_purging():
            latencies, errors = [], 0
            while not done.is_set():
                _rate, chunk, chunk_errors = load(url, token, paths, 1.0, options.concurrency)
                latencies.extend(chunk)
                errors += chunk_errors
            during.update(latencies=latencies, errors=errors)

        reader = threading.Thread(target=read_while_purging)
        reader.start()
        started = time.perf_counter()
        totals = retention_purge(batch_size=options.batch)
        purge_seconds = time.perf_counter() - started
        done.set()
        reader.join()
        connection.close()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    purge_rate = totals["deleted"] / purge_seconds
    quiet_p99 = percentile(quiet_latencies, 0.99)
    busy_p99 = percentile(during["latencies"], 0.99)
    print(
        f"data: {enterprises} enterprises, {total_records} records, {due_records} due "
        f"({len(due_authorizations)} authorizations); batches of {options.batch}; gunicorn {options.workers} "
        f"workers, {options.concurrency} concurrent readers"
    )
    print(f"bare DELETE by id:  {bare_rate:10.0f} records/s")
    print(
        f"retention purge:    {purge_rate:10.0f} records/s  ({totals['deleted']} deleted, "
        f"{totals['receipts']} receipts, {purge_seconds:.1f} s)"
    )
    print(f"ratio purge/bare (goal >= 0.5): {purge_rate / bare_rate:.2f}")
    print(
        f"profile reads alone:        {quiet_rate:7.1f} req/s  p50 {median(quiet_latencies) * 1000:6.1f} ms  "
        f"p99 {quiet_p99 * 1000:6.1f} ms  errors {quiet_errors}"
    )
    print(
        f"profile reads during purge: {len(during['latencies']) / purge_seconds:7.1f} req/s  "
        f"p50 {median(during['latencies']) * 1000:6.1f} ms  p99 {busy_p99 * 1000:6.1f} ms  errors {during['errors']}"
    )
    print(f"ratio p99 during/alone (goal <= 1.5): {busy_p99 / quiet_p99:.2f}")


if __name__ == "__main__":
    main()
