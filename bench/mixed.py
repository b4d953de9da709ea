"""Mixed load: enterprises, banks and regulators at realistic proportions against gunicorn and
a Celery worker (on Redis), at rising concurrency. Per step: throughput, p50/p99 per endpoint,
errors. Goal (issue 16): 0 errors; p99 of every read < 500 ms at 32 concurrent clients.

    .venv/bin/python bench/mixed.py [--enterprises 20000] [--seconds 60] [--steps 8,32,128]

The data set is profile_reads.py's (enterprises with credit records and an authorization to
the bench bank, verified), extended with enterprise users, published products, a regulator
and a live connector on a simulated platform, so that a bank's pulls run on the worker while
the reads go on. Clients are processes of threads (a thread per client), so the client's own
interpreter lock does not cap the load; on a 2-core machine client, server, worker and
database share the cores, which the figures include.

What each client does, drawn per request (weights are the share of requests):
enterprise 55 % (products, its applications, its authorizations, its notices), bank 40 %
(applications, credit profiles, matches, and 1 % of its requests start a pull), regulator 5 %
(lending statistics by each grouping, matching statistics).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict

from profile_reads import BANK_CODE, PASSWORD, generate
from setup_django import ROOT, median, percentile, setup

PORT = 8766
ENTERPRISE_USERS = 200
REGULATOR = "bench-mixed-regulator"
OFFICER = "bench-profile-officer"


def prepare(enterprises: int) -> dict:
    """Everything the clients need, as plain data (tokens, paths)."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from connectors.models import Connector
    from hub.categories import ALL_CATEGORIES
    from hub.models import Organization, User
    from hub.services.tokens import api_token_issue
    from lending.models import LoanProduct

    generate(enterprises, 20)
    bank = Organization.objects.get(kind="bank", code=BANK_CODE)
    sample = list(
        Organization.objects.filter(kind="enterprise", name__startswith="bench-profile-")
        .order_by("pk")
        .values_list("pk", "code")[:enterprises]
    )
    users_wanted = [(pk, code) for pk, code in sample[:ENTERPRISE_USERS]]
    password_hash = make_password(PASSWORD)
    existing = set(User.objects.filter(username__startswith="bench-mixed-ent-").values_list("username", flat=True))
    User.objects.bulk_create(
        [
            User(username=f"bench-mixed-ent-{pk}", password=password_hash, organization_id=pk, role="admin")
            for pk, _ in users_wanted
            if f"bench-mixed-ent-{pk}" not in existing
        ]
    )
    regulator, _ = Organization.objects.get_or_create(
        kind="regulator", code="BENCH-MIXED-REG", defaults={"name": "bench regulator", "region_code": "410000"}
    )
    if not User.objects.filter(username=REGULATOR).exists():
        User.objects.create(username=REGULATOR, password=password_hash, organization=regulator, role="admin")
    for index in range(5):
        LoanProduct.objects.get_or_create(
            bank=bank,
            name=f"bench-mixed-product-{index}",
            defaults={
                "category": "tech",
                "min_amount": "100000.00",
                "max_amount": "5000000.00",
                "min_rate": "3.4500",
                "max_rate": "4.3500",
                "min_term_months": 6,
                "max_term_months": 36,
                "guarantee": "credit",
                "region_codes": ["410000"],
                "status": "published",
                "published_at": timezone.now(),
            },
        )
    connector = Connector.objects.filter(name="bench-mixed").first()
    tokens = {
        "bank": api_token_issue(username=OFFICER, password=PASSWORD)[0],
        "regulator": api_token_issue(username=REGULATOR, password=PASSWORD)[0],
        "enterprise": [
            api_token_issue(username=f"bench-mixed-ent-{pk}", password=PASSWORD)[0] for pk, _ in users_wanted
        ],
    }
    return {
        "tokens": tokens,
        "usccs": [code for _, code in sample],
        "categories": list(ALL_CATEGORIES),
        "connector_id": connector.pk if connector else None,
    }


def start_platform() -> tuple[object, str]:
    """A simulated city platform the bench's connector pulls from, answering in 50 ms."""
    from connectors.models import Connector
    from connectors.simulator.server import SimulatorConfig, start_simulator
    from hub.models import Organization

    simulator = start_simulator(SimulatorConfig(key_id="hub", secret="bench-mixed-secret", latency_ms=50))
    platform = Organization.objects.get(kind="platform", code="BENCH-PROFILE-PLATFORM")
    connector, _ = Connector.objects.update_or_create(
        name="bench-mixed",
        defaults={
            "platform": platform,
            "kind": "cdp_http_v1",
            "base_url": simulator.base_url,
            "region_codes": ["410000"],
            "categories": ["tax", "penalty", "license"],
            "status": "active",
            "health_state": "healthy",
            "key_id": "hub",
            "secret": "bench-mixed-secret",
        },
    )
    return simulator, simulator.base_url


# --- the clients ------------------------------------------------------------------------------------


def _requests_of(data: dict, rng: random.Random):
    """An endless stream of (endpoint name, method, path, token) drawn at the mix's weights."""
    usccs, enterprise_tokens = data["usccs"], data["tokens"]["enterprise"]
    bank, regulator = data["tokens"]["bank"], data["tokens"]["regulator"]
    enterprise_reads = [
        ("enterprise: products", "/api/v1/products/"),
        ("enterprise: applications", "/api/v1/applications/"),
        ("enterprise: authorizations", "/api/v1/authorizations/"),
        ("enterprise: notifications", "/api/v1/notifications/"),
    ]
    while True:
        draw = rng.random()
        if draw < 0.55:
            name, path = rng.choice(enterprise_reads)
            yield name, "GET", path, rng.choice(enterprise_tokens)
        elif draw < 0.95:
            pick = rng.random()
            if pick < 0.01:
                yield "bank: start a pull", "POST", ("/api/v1/credit-pulls/", rng.choice(usccs)), bank
            elif pick < 0.40:
                yield "bank: credit profile", "GET", f"/api/v1/enterprises/{rng.choice(usccs)}/credit-profile/", bank
            elif pick < 0.75:
                yield "bank: applications", "GET", "/api/v1/applications/", bank
            else:
                yield "bank: matches", "GET", "/api/v1/matches/", bank
        else:
            grouping = rng.choice(["region", "bank", "category", "month"])
            if rng.random() < 0.8:
                yield (
                    f"regulator: lending by {grouping}",
                    "GET",
                    f"/api/v1/stats/lending/?group_by={grouping}",
                    regulator,
                )
            else:
                yield "regulator: matching by bank", "GET", "/api/v1/stats/matching/?group_by=bank", regulator


def _client_process(data: dict, threads: int, seconds: float, seed: int, results) -> None:
    import requests

    base = f"http://127.0.0.1:{PORT}"
    deadline = time.perf_counter() + seconds
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    lock = threading.Lock()

    def client(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        session = requests.Session()
        mine, failed = defaultdict(list), defaultdict(int)
        for name, method, path, token in _requests_of(data, rng):
            if time.perf_counter() >= deadline:
                break
            headers = {"Authorization": f"Bearer {token}"}
            started = time.perf_counter()
            try:
                if method == "POST":
                    url, uscc = path
                    response = session.post(base + url, json={"enterprise": uscc}, headers=headers, timeout=30)
                    ok = response.status_code == 202
                else:
                    response = session.get(base + path, headers=headers, timeout=30)
                    ok = response.status_code == 200
            except requests.RequestException:
                ok = False
            mine[name].append(time.perf_counter() - started)
            if not ok:
                failed[name] += 1
        with lock:
            for name, values in mine.items():
                latencies[name].extend(values)
            for name, count in failed.items():
                errors[name] += count

    workers = [threading.Thread(target=client, args=(index,)) for index in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    results.put((dict(latencies), dict(errors)))


def run_step(data: dict, concurrency: int, seconds: float) -> tuple[float, dict, dict]:
    processes = min(4, concurrency)
    per_process = [
        concurrency // processes + (1 if index < concurrency % processes else 0) for index in range(processes)
    ]
    results = multiprocessing.Queue()
    started = time.perf_counter()
    children = [
        multiprocessing.Process(target=_client_process, args=(data, threads, seconds, seed, results))
        for seed, threads in enumerate(per_process)
    ]
    for child in children:
        child.start()
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    for _ in children:
        child_latencies, child_errors = results.get()
        for name, values in child_latencies.items():
            latencies[name].extend(values)
        for name, count in child_errors.items():
            errors[name] += count
    for child in children:
        child.join()
    elapsed = time.perf_counter() - started
    total = sum(len(values) for values in latencies.values())
    return total / elapsed, latencies, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--enterprises", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--steps", default="8,32,128", help="concurrent clients of each step")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    options = parser.parse_args()
    steps = [int(step) for step in options.steps.split(",")]
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    os.environ["REDIS_URL"] = redis_url
    database_url = setup()
    data = prepare(options.enterprises)
    simulator, _ = start_platform()

    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "HUB_THROTTLE_ORGANIZATION": "100000000/min",
        "ALLOWED_HOSTS": "127.0.0.1",
        "HUB_CONNECTOR_ALLOWED_NETWORKS": "127.0.0.0/8",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "hub.wsgi:application", "--bind", f"127.0.0.1:{PORT}",
         "--workers", str(options.workers), "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "hub", "worker", "--queues", "default,connectors,imports,webhooks",
         "--concurrency", "2", "--loglevel", "WARNING", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        import requests

        for _ in range(150):
            try:
                if requests.get(f"http://127.0.0.1:{PORT}/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        run_step(data, 4, 3)  # warm every gunicorn worker up
        print(
            f"data: {len(data['usccs'])} verified enterprises × 20 records, {ENTERPRISE_USERS} enterprise users; "
            f"gunicorn {options.workers} workers, a Celery worker of 2 processes; {options.seconds:.0f} s a step",
            flush=True,
        )
        for concurrency in steps:
            rate, latencies, errors = run_step(data, concurrency, options.seconds)
            total_errors = sum(errors.values())
            worst_read = max(
                percentile(values, 0.99) for name, values in latencies.items() if "start a pull" not in name
            )
            print(f"\n{concurrency} concurrent clients: {rate:.1f} req/s, {total_errors} errors, "
                  f"worst read p99 {worst_read * 1000:.0f} ms (goal at 32: < 500 ms, 0 errors)")  # fmt: skip
            for name in sorted(latencies):
                values = latencies[name]
                print(
                    f"  {name:<34} {len(values):7d} req  p50 {median(values) * 1000:7.1f} ms  "
                    f"p99 {percentile(values, 0.99) * 1000:7.1f} ms  errors {errors.get(name, 0)}",
                    flush=True,
                )
    finally:
        for process in (server, worker):
            process.send_signal(signal.SIGTERM)
        for process in (server, worker):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        simulator.stop()


if __name__ == "__main__":
    main()
