"""Profile reads: 100,000 enterprises with 50 credit records each in PostgreSQL; credit
profile reads per second through gunicorn, against a bare authenticated DRF endpoint doing
one primary-key lookup (GET /api/v1/organizations/{id}/), measured in the same run.
Goal (issue 3): profile rate / bare rate ≥ 0.5; p99 printed.

    .venv/bin/python bench/profile_reads.py [--enterprises 100000] [--records 50] [--seconds 20]

The data set is generated once (COPY) and reused by later runs. Record payloads are real
envelope ciphertexts (a pool of them, reused across rows: each decrypts under its field's
context), so every read pays the real decryption cost.
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

BANK_CODE = "BENCH-PROFILE-BANK"
PASSWORD = "Bench-profile-2026"
CATEGORIES_PER_ENTERPRISE = (
    ["tax"] * 16
    + ["social_insurance"] * 12
    + ["housing_fund"] * 12
    + ["penalty"] * 2
    + ["license"] * 3
    + ["honor"] * 2
    + ["ip"] * 2
    + ["rating"]
)  # 50


def verify_all() -> None:
    """A bank reads only verified enterprises: every bench enterprise has a verification
    (data sets generated before verification existed are brought up to date)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO hub_verification
                (enterprise_id, uscc, status, method, level, verified_at, reason, closed, signers_required, updated_at)
            SELECT o.id, o.code, 'verified', 'document_review', 'substantial', now(), '', false, '{}', now()
            FROM hub_organization o
            WHERE o.kind = 'enterprise' AND o.name LIKE 'bench-profile-%%'
              AND NOT EXISTS (SELECT 1 FROM hub_verification v WHERE v.enterprise_id = o.id)"""
        )


def generate(enterprises: int, records: int) -> None:
    from django.db import connection

    from connectors import record_keys
    from connectors.models import Connector, CreditRecord
    from connectors.simulator.data import records_for
    from hub import crypto
    from hub.identifiers import make_uscc
    from hub.models import Organization, User
    from hub.services.tokens import api_token_issue  # noqa: F401 (imported to fail early if missing)

    have = Organization.objects.filter(kind="enterprise", name__startswith="bench-profile-").count()
    if (
        have >= enterprises
        and CreditRecord.objects.filter(connector__name="bench-profile").count() >= enterprises * records
    ):
        print(f"data set present: {have} enterprises, {enterprises * records} records")
        verify_all()
        return
    print(f"generating {enterprises} enterprises × {records} records …", flush=True)
    started = time.perf_counter()
    platform, _ = Organization.objects.get_or_create(
        kind="platform", code="BENCH-PROFILE-PLATFORM", defaults={"name": "bench platform", "region_code": "410000"}
    )
    bank, _ = Organization.objects.get_or_create(
        kind="bank", code=BANK_CODE, defaults={"name": "bench bank", "region_code": "410000"}
    )
    officer = User.objects.filter(username="bench-profile-officer").first() or User.objects.create_user(
        username="bench-profile-officer", password=PASSWORD, organization=bank
    )
    connector, _ = Connector.objects.get_or_create(
        name="bench-profile",
        defaults={
            "platform": platform,
            "kind": "cdp_http_v1",
            "base_url": "http://127.0.0.1:9",
            "region_codes": ["410000"],
            "categories": ["tax"],
            "status": "suspended",
        },
    )
    # A pool of realistic payloads per category, encrypted once under the field's context.
    context = CreditRecord._meta.get_field("data").encryption_context
    pool = {}
    for index in range(40):
        uscc = make_uscc(region_code="410100", serial=90_000_000 + index)
        for category in set(CATEGORIES_PER_ENTERPRISE):
            for record in records_for(uscc, category, seed="bench")[:20]:
                text = json.dumps(record["data"], ensure_ascii=False, separators=(",", ":"))
                pool.setdefault(category, []).append((crypto.encrypt(text, context=context), record.get("occurred_on")))
    now = datetime.now(UTC)
    with connection.cursor() as cursor:
        raw = cursor.connection
        first_serial = 10_000_000
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM hub_organization")
        last_existing_id = cursor.fetchone()[0]
        # A smaller data set from an earlier run is extended, never generated twice.
        with raw.cursor().copy(
            "COPY hub_organization (kind, code, name, region_code, industry_code, scale, "
            "legal_representative, legal_representative_id_number, legal_representative_id_index, "
            "contact_phone, is_active, created_at) FROM STDIN"
        ) as copy:
            for index in range(have, enterprises):
                uscc = make_uscc(region_code="410100", serial=first_serial + index)
                copy.write_row(
                    ("enterprise", uscc, f"bench-profile-{index}", "410105", "I65", "small", "", "", "", "", True, now)
                )
        cursor.execute(
            "SELECT id, code FROM hub_organization WHERE name LIKE 'bench-profile-%%' AND id > %s ORDER BY id",
            [last_existing_id],
        )
        enterprise_rows = cursor.fetchall()
        with raw.cursor().copy(
            "COPY connectors_creditrecord (enterprise_id, connector_id, category, category_key, source_id, "
            "source_key, occurred_on, data, fingerprint, fetched_at, repair_notice_due_on, repair_notice_sent) "
            "FROM STDIN"
        ) as copy:
            rng = random.Random(7)
            category_field = CreditRecord._meta.get_field("category")
            source_id_field = CreditRecord._meta.get_field("source_id")
            for enterprise_id, uscc in enterprise_rows:
                for position, category in enumerate(CATEGORIES_PER_ENTERPRISE[:records]):
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
        expires = now + timedelta(days=300)
        with raw.cursor().copy(
            "COPY hub_authorization (enterprise_id, bank_id, scopes, purpose, status, granted_at, "
            "expires_at, revoked_at, application_id, granted_by_id, receipt) FROM STDIN"
        ) as copy:
            scopes = json.dumps(sorted(set(CATEGORIES_PER_ENTERPRISE)))
            for enterprise_id, _uscc in enterprise_rows:
                copy.write_row(
                    (
                        enterprise_id,
                        bank.pk,
                        scopes,
                        "loan_review",
                        "active",
                        now,
                        expires,
                        None,
                        None,
                        officer.pk,
                        "bench",
                    )
                )
    verify_all()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)


def load(url: str, token: str, paths: list[str], seconds: float, concurrency: int) -> tuple[float, list[float], int]:
    import requests

    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker(worker_index: int):
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        rng = random.Random(worker_index)
        mine = []
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            response = session.get(url + rng.choice(paths))
            mine.append(time.perf_counter() - started)
            if response.status_code != 200:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies) / (time.perf_counter() - started), latencies, errors[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--records", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    options = parser.parse_args()
    database_url = setup()
    generate(options.enterprises, options.records)

    from django.db import connection

    from hub.models import Organization
    from hub.services.tokens import api_token_issue

    with connection.cursor() as cursor:
        # Other benchmarks share this database and bulk-load into it: fresh statistics keep
        # the planner from a stale plan that would slow the baseline and the profile alike.
        cursor.execute("ANALYZE")
    token, _ = api_token_issue(username="bench-profile-officer", password=PASSWORD)
    bank = Organization.objects.get(kind="bank", code=BANK_CODE)
    usccs = list(
        Organization.objects.filter(kind="enterprise", name__startswith="bench-profile-").values_list(
            "code", flat=True
        )[: options.enterprises]
    )
    port = 8765
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
        [
            sys.executable,
            "-m",
            "gunicorn",
            "hub.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(options.workers),
            "--log-level",
            "warning",
        ],
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
        bare_paths = [f"/api/v1/organizations/{bank.pk}/"]
        profile_paths = [
            f"/api/v1/enterprises/{uscc}/credit-profile/"
            for uscc in random.Random(3).sample(usccs, min(20_000, len(usccs)))
        ]
        load(url, token, bare_paths, 3, options.concurrency)  # warm up every worker
        load(url, token, profile_paths, 3, options.concurrency)
        bare_rate, bare_latencies, bare_errors = load(url, token, bare_paths, options.seconds, options.concurrency)
        profile_rate, profile_latencies, profile_errors = load(
            url, token, profile_paths, options.seconds, options.concurrency
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    print(
        f"data: {len(usccs)} enterprises × {options.records} records; gunicorn {options.workers} workers; "
        f"{options.concurrency} concurrent clients; {options.seconds:.0f} s each"
    )
    print(
        f"bare PK endpoint:  {bare_rate:8.1f} req/s  p50 {median(bare_latencies) * 1000:6.1f} ms  "
        f"p99 {percentile(bare_latencies, 0.99) * 1000:6.1f} ms  errors {bare_errors}"
    )
    print(
        f"credit profile:    {profile_rate:8.1f} req/s  p50 {median(profile_latencies) * 1000:6.1f} ms  "
        f"p99 {percentile(profile_latencies, 0.99) * 1000:6.1f} ms  errors {profile_errors}"
    )
    print(f"ratio profile/bare (goal >= 0.5): {profile_rate / bare_rate:.2f}")


if __name__ == "__main__":
    main()
