"""Whitelist import: a generated 1,000,000-row CSV imported by the real import (checks,
staging, merge) against PostgreSQL COPY of the same rows into an unindexed table, in the
same run. Goals (issue 5): import rate ≥ a quarter of COPY's; peak memory of the import
process under 300 MB.

A third figure bounds what any import into the draft can reach: COPY of the import's own
result (the valid rows, already typed) into a table shaped like the draft entries, with
its unique (whitelist, uscc) index, written durably like the draft.

    .venv/bin/python bench/whitelist_import.py [--rows 1000000]

The import runs in a child process so that its peak memory (ru_maxrss) is its own.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from setup_django import ROOT, setup

BENCH_DIR = ROOT / "var" / "media" / "bench"


def generate(rows: int) -> Path:
    from hub.identifiers import make_uscc

    path = BENCH_DIR / f"whitelist-{rows}.csv"
    if path.exists():
        return path
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    rng = random.Random(1)
    cities = ["410100", "410200", "410300", "410400", "410500", "410700", "411000", "411300", "411600"]
    valid_until = (date.today() + timedelta(days=400)).isoformat()
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["uscc", "name", "reason", "recommended_amount", "valid_until"])
        for index in range(rows):
            uscc = make_uscc(region_code=cities[index % len(cities)], serial=10_000_000 + index)
            amount = f"{rng.randrange(10, 5000) * 1000}.00"
            roll = rng.random()
            if roll < 0.005:
                uscc = uscc[:17] + ("0" if uscc[17] != "0" else "1")  # wrong check character
            elif roll < 0.01:
                amount = "五十万"  # not an amount
            writer.writerow([uscc, f"河南某某科技有限公司{index}", "专精特新中小企业", amount, valid_until])
    return path


def copy_baseline(path: Path) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_whitelist_copy")
        cursor.execute(
            "CREATE TABLE bench_whitelist_copy (uscc text, name text, reason text, recommended_amount text, valid_until text)"
        )
    started = time.perf_counter()
    with connection.cursor() as cursor, open(path, "rb") as file:
        with cursor.connection.cursor().copy("COPY bench_whitelist_copy FROM STDIN (FORMAT csv, HEADER true)") as copy:
            while block := file.read(1 << 20):
                copy.write(block)
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_whitelist_copy")
    return elapsed


CHILD = """
import json, resource, sys, time
sys.path.insert(0, {bench!r})
from setup_django import setup
setup()
from django.core.files import File
from hub.models import Organization, User
from whitelist.models import Whitelist, WhitelistImport
from whitelist.services.imports import import_run
platform, _ = Organization.objects.get_or_create(kind="platform", code="BENCH-WL", defaults={{"name": "bench", "region_code": "410000"}})
user = User.objects.filter(username="bench-wl").first()
user = user or User.objects.create_user(username="bench-wl", password="x", organization=platform)
whitelist = Whitelist.objects.create(owner=platform, name="bench", kind="local", region_code="410000")
record = WhitelistImport.objects.create(whitelist=whitelist, uploaded_by=user, file={name!r}, original_name="bench.csv",
                                        file_format="csv", file_sha256="0" * 64)
from django.db import connection
from whitelist.services import imports
phases, statements = {{}}, []

def timed(name, function):
    def run(*args, **kwargs):
        phase_started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            phases[name] = time.perf_counter() - phase_started
    return run

def slow_statements(execute, sql, params, many, context):
    statement_started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        if time.perf_counter() - statement_started >= 0.5:
            statements.append((time.perf_counter() - statement_started, " ".join(sql.split())[:70]))

imports._stage, imports._merge = timed("staging", imports._stage), timed("checks and merge", imports._merge)
started = time.perf_counter()
with connection.execute_wrapper(slow_statements):
    status = import_run(import_id=record.pk)
elapsed = time.perf_counter() - started
record.refresh_from_db()
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the bound below buffers its rows
with connection.cursor() as cursor:
    # The floor: the result itself, COPY'd into an entries-shaped table with its index.
    buffer = bytearray()
    with cursor.connection.cursor().copy(
        f"COPY (SELECT whitelist_id, uscc, name, reason, recommended_amount, valid_until"
        f" FROM whitelist_whitelistentry WHERE whitelist_id = {{whitelist.pk}}) TO STDOUT"
    ) as copy:
        for block in copy:
            buffer += block
    cursor.execute("DROP TABLE IF EXISTS bench_whitelist_floor")
    cursor.execute("CREATE TABLE bench_whitelist_floor (LIKE whitelist_whitelistentry INCLUDING ALL)")
    floor_started = time.perf_counter()
    with cursor.connection.cursor().copy(
        "COPY bench_whitelist_floor (whitelist_id, uscc, name, reason, recommended_amount, valid_until) FROM STDIN"
    ) as copy:
        copy.write(bytes(buffer))
    floor = time.perf_counter() - floor_started
    cursor.execute("DROP TABLE bench_whitelist_floor")
whitelist.delete()  # later runs start from the same table sizes
print(json.dumps({{"floor": floor, "phases": phases, "statements": statements, "status": status, "elapsed": elapsed,
                   "accepted": record.accepted, "rejected": record.rejected, "peak_mb": peak_mb}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    options = parser.parse_args()
    database_url = setup()
    path = generate(options.rows)
    copy_seconds = copy_baseline(path)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(ROOT / "var" / "media"),
        "LOG_LEVEL": "WARNING",
    }
    child = CHILD.format(bench=str(Path(__file__).parent), name=str(path.relative_to(ROOT / "var" / "media")))
    result = subprocess.run([sys.executable, "-c", child], env=env, capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        print(result.stderr[-3000:])
        raise SystemExit(1)
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    copy_rate = options.rows / copy_seconds
    import_rate = options.rows / outcome["elapsed"]
    print(
        f"rows: {options.rows} ({path.stat().st_size / 2**20:.0f} MB CSV); import {outcome['status']}: "
        f"{outcome['accepted']} accepted, {outcome['rejected']} rejected"
    )
    print(f"PostgreSQL COPY into an unindexed table: {copy_seconds:6.1f} s  {copy_rate:10.0f} rows/s")
    print(f"whitelist import (checks, staging, merge): {outcome['elapsed']:6.1f} s  {import_rate:10.0f} rows/s")
    for phase, seconds in outcome["phases"].items():
        print(f"  {phase}: {seconds:.1f} s")
    for seconds, statement in outcome["statements"]:
        print(f"    {seconds:5.1f} s  {statement}")
    print(f"ratio import/COPY (goal >= 0.25): {import_rate / copy_rate:.2f}")
    floor_rate = options.rows / outcome["floor"]
    print(
        f"bound: COPY of the typed result into an entries-shaped indexed table: {outcome['floor']:6.1f} s"
        f"  {floor_rate:10.0f} rows/s  (ratio to COPY {floor_rate / copy_rate:.2f})"
    )
    print(f"peak memory of the import process (goal < 300 MB): {outcome['peak_mb']:.0f} MB")


if __name__ == "__main__":
    main()
