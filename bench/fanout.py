"""Fan-out: a pull across 8 simulated platforms, each answering in 200 ms, against the
slowest single source pulled alone. Goal (issue 3): wall time / slowest source ≤ 1.5.

Each platform runs in a process of its own, as remote platforms would: sharing the hub's
process (or one another's) their work would queue on one interpreter lock.

    .venv/bin/python bench/fanout.py [--platforms 8] [--latency-ms 200] [--rounds 5]
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import random
import time

from setup_django import median, setup


def serve_platform(config, pipe) -> None:
    """A child process: serve one platform, send its base URL, stop when told."""
    from connectors.simulator.server import start_simulator

    simulator = start_simulator(config)
    pipe.send(simulator.base_url)
    pipe.recv()
    simulator.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--platforms", type=int, default=8)
    parser.add_argument("--latency-ms", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    setup()
    logging.getLogger("kombu").setLevel(logging.ERROR)

    from datetime import timedelta

    from django.utils import timezone

    from connectors.models import Connector
    from connectors.services.pulls import credit_pull_run, credit_pull_start
    from connectors.simulator.server import SimulatorConfig
    from hub.celery import app
    from hub.identifiers import make_uscc
    from hub.models import Authorization, Organization, User
    from hub.receipts import sign_receipt

    app.conf.task_always_eager = False  # the bench runs each pull itself, in this process
    Connector.objects.all().update(status=Connector.Status.SUSPENDED)
    platform, _ = Organization.objects.get_or_create(
        kind="platform", code="BENCH-PLATFORM", defaults={"name": "bench platform", "region_code": "410000"}
    )
    bank, _ = Organization.objects.get_or_create(
        kind="bank", code="BENCH-BANK", defaults={"name": "bench bank", "region_code": "410000"}
    )
    officer, _ = User.objects.get_or_create(username="bench-officer", defaults={"organization": bank})
    configs = [
        SimulatorConfig(
            key_id="bench", secret="bench-secret", latency_ms=options.latency_ms, page_size=1000, seed=f"bench-{index}"
        )
        for index in range(options.platforms)
    ]
    pipes, platforms = [], []
    for config in configs:
        pipe, child_pipe = multiprocessing.Pipe()
        platform_process = multiprocessing.get_context("fork").Process(target=serve_platform, args=(config, child_pipe))
        platform_process.start()
        pipes.append(pipe)
        platforms.append(platform_process)
    base_urls = [pipe.recv() for pipe in pipes]
    connectors = [
        Connector.objects.create(
            platform=platform,
            name=f"bench-{index}",
            kind="cdp_http_v1",
            base_url=base_url,
            region_codes=["410000"],
            categories=["tax", "penalty", "license", "rating"],
            key_id="bench",
            secret="bench-secret",
            status=Connector.Status.SUSPENDED,
        )
        for index, base_url in enumerate(base_urls)
    ]

    def fresh_uscc() -> str:
        while True:
            uscc = make_uscc(region_code="410100", serial=random.randrange(10**6, 10**8))
            if not Organization.objects.filter(kind="enterprise", code=uscc).exists():
                return uscc

    def timed_pull(active: list[Connector]) -> float:
        """A fresh enterprise each time, so every pull stores its records anew."""
        Connector.objects.filter(pk__in=[c.pk for c in connectors]).update(status=Connector.Status.SUSPENDED)
        Connector.objects.filter(pk__in=[c.pk for c in active]).update(status=Connector.Status.ACTIVE)
        uscc = fresh_uscc()
        enterprise = Organization.objects.create(
            kind="enterprise", code=uscc, name=f"bench {uscc}", region_code="410105"
        )
        authorization = Authorization.objects.create(
            enterprise=enterprise,
            bank=bank,
            scopes=["tax", "penalty", "license", "rating"],
            purpose="loan_review",
            expires_at=timezone.now() + timedelta(days=30),
            granted_by=officer,
            receipt="",
        )
        authorization.receipt = sign_receipt(authorization)
        pull = credit_pull_start(actor=officer, enterprise_uscc=enterprise.code)
        started = time.perf_counter()
        status = credit_pull_run(pull_id=pull.pk)
        elapsed = time.perf_counter() - started
        assert status == "succeeded", status
        return elapsed

    try:
        timed_pull(connectors)  # warm up connections and code paths
        singles = {c.name: median([timed_pull([c]) for _ in range(options.rounds)]) for c in connectors}
        slowest = max(singles.values())
        fanned = median([timed_pull(connectors) for _ in range(options.rounds)])
    finally:
        for pipe, platform_process in zip(pipes, platforms, strict=True):
            pipe.send("stop")
            platform_process.join(timeout=30)
        Connector.objects.filter(pk__in=[c.pk for c in connectors]).update(status=Connector.Status.SUSPENDED)

    print(
        f"platforms: {options.platforms}, latency per answer: {options.latency_ms} ms, rounds: {options.rounds} (medians)"
    )
    print(f"slowest single source alone: {slowest * 1000:.0f} ms")
    print(f"pull across all {options.platforms}: {fanned * 1000:.0f} ms")
    print(f"ratio (goal <= 1.5): {fanned / slowest:.2f}")


if __name__ == "__main__":
    main()
