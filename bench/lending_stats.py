"""Lending statistics: 2,000,000 applications over 36 months in the 18 cities of Henan, 50
banks, 11 product categories and open demands, in PostgreSQL. For each grouping (region,
bank, category, month), the median and p90 time of ``lending.stats.lending_rows`` (monthly
counters for whole months, daily counters for the partial months at either end) for the hub
operator, the province regulator (410000) and a city regulator (410100), with the time its
statements spent in PostgreSQL, against the plain GROUP BY over the applications
(``raw_lending_rows``) for the same question, measured in the same run; both answers must be
equal. Goal: every grouping's median < 25 ms, p90 < 40 ms.

    .venv/bin/python bench/lending_stats.py [--scale 1] [--runs 15] [--raw-runs N]
    .venv/bin/python bench/lending_stats.py --scale 1 10     # both, and the ratio 10× / 1×

``--scale S`` multiplies the applications (2,000,000 × S) and enterprises (200,000 × S); a
scale other than 1 has its own database (BENCH_DATABASE_URL's name with ``_x<S>`` appended),
so data sets of several sizes stay side by side. Given several scales, each runs in turn
and the figures of each grouping are printed against the first scale's (goal: within 1.3×).

The data set is generated once (COPY) and reused by later runs; a smaller one from an
earlier run is extended. The counter tables are rebuilt (timed) whenever they do not count
every application.
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
import os
import random
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlsplit, urlunsplit

from setup_django import DEFAULT_DATABASE_URL, median, percentile, setup

NAME_PREFIX = "bench-stats-"
BANK_CODE = "BENCH-STATS-BANK-{:02d}"
REGULATOR_CODE = "BENCH-STATS-REGULATOR-410000"
CITY_REGULATOR_CODE = "BENCH-STATS-REGULATOR-410100"
OPERATOR_USERNAME = "bench-stats-operator"
REGULATOR_USERNAME = "bench-stats-regulator"
CITY_REGULATOR_USERNAME = "bench-stats-regulator-410100"
APPLICATIONS, ENTERPRISES = 2_000_000, 200_000  # at scale 1
GOAL_MEDIAN_MS, GOAL_P90_MS, GOAL_SCALE_RATIO = 25, 40, 1.3
COUNTER_TABLES = (
    "lending_lendingbyregion",
    "lending_lendingbybank",
    "lending_lendingbycategory",
    "lending_lendingbyregionday",
    "lending_lendingbybankday",
    "lending_lendingbycategoryday",
)
FIRST_SERIAL = 20_000_000  # enterprise USCC serials (bench/profile_reads.py uses 10,000,000+)
MONTHS = 36
COPY_CHUNK = 250_000
SHANGHAI = timezone(timedelta(hours=8))  # Asia/Shanghai has had no daylight saving since 1991
DAY = 86_400

# City → (share of enterprises, its districts and counties; GB/T 2260).
CITIES: dict[str, tuple[float, list[str]]] = {
    "410100": (25, "410102 410103 410104 410105 410106 410108 410122 410181 410182 410183 410184 410185".split()),
    "410200": (4, "410202 410203 410204 410205 410212 410221 410222 410223 410225".split()),
    "410300": (
        9,
        "410302 410303 410304 410305 410307 410308 410311 410323 410324 410325 410326 410327 410328 410329".split(),
    ),
    "410400": (4, "410402 410403 410404 410411 410421 410422 410423 410425 410481 410482".split()),
    "410500": (4, "410502 410503 410505 410506 410522 410523 410526 410527 410581".split()),
    "410600": (2, "410602 410603 410611 410621 410622".split()),
    "410700": (5.5, "410702 410703 410704 410711 410721 410724 410725 410726 410727 410781 410782 410783".split()),
    "410800": (4, "410802 410803 410804 410811 410821 410822 410823 410825 410882 410883".split()),
    "410900": (3, "410902 410922 410923 410926 410927 410928".split()),
    "411000": (5, "411002 411003 411024 411025 411081 411082".split()),
    "411100": (2.5, "411102 411103 411104 411121 411122".split()),
    "411200": (2.5, "411202 411203 411221 411224 411281 411282".split()),
    "411300": (7, "411302 411303 411321 411322 411323 411324 411325 411326 411327 411328 411329 411330 411381".split()),
    "411400": (5, "411402 411403 411421 411422 411423 411424 411425 411426 411481".split()),
    "411500": (4.5, "411502 411503 411521 411522 411523 411524 411525 411526 411527 411528".split()),
    "411600": (5, "411602 411603 411621 411622 411623 411624 411625 411627 411628 411681".split()),
    "411700": (4.5, "411702 411721 411722 411723 411724 411725 411726 411727 411728 411729".split()),
    "419001": (1.5, ["419001"]),  # 济源: a county-level city directly under the province
}
MAJOR_CITIES = {"410100", "410300", "411300", "410700", "411000", "411400", "411600", "410400"}

# The 50 banks: (name, region code, where it lends, weight there). "all": every city;
# "major": the larger cities; "home": its own city. 郑州银行 is "home" with a presence in
# the larger cities too.
RURAL_BANKS = [
    ("410100", "郑州农商银行"), ("410100", "巩义农商银行"), ("410100", "新郑农商银行"), ("410100", "登封农商银行"),
    ("410200", "开封农商银行"), ("410300", "洛阳农商银行"), ("410300", "偃师农商银行"), ("410400", "平顶山农商银行"),
    ("410500", "安阳农商银行"), ("410500", "林州农商银行"), ("410600", "鹤壁农商银行"), ("410700", "新乡农商银行"),
    ("410700", "长垣农商银行"), ("410800", "焦作农商银行"), ("410900", "濮阳农商银行"), ("411000", "许昌农商银行"),
    ("411000", "禹州农商银行"), ("411100", "漯河农商银行"), ("411200", "三门峡农商银行"), ("411300", "南阳农商银行"),
    ("411300", "邓州农商银行"), ("411400", "商丘农商银行"), ("411400", "永城农商银行"), ("411500", "信阳农商银行"),
    ("411500", "固始农商银行"), ("411600", "周口农商银行"), ("411600", "项城农商银行"), ("411700", "驻马店农商银行"),
    ("411700", "泌阳农商银行"), ("419001", "济源农商银行"),
]  # fmt: skip
BANKS: list[tuple[str, str, str, float]] = [
    *[
        (f"{name}河南省分行", "410000", "all", 3.0)
        for name in ("中国工商银行", "中国农业银行", "中国银行", "中国建设银行", "交通银行", "中国邮政储蓄银行")
    ],
    *[
        (f"{name}郑州分行", "410100", "major", 1.2)
        for name in ("招商银行", "中信银行", "浦发银行", "民生银行", "光大银行", "兴业银行", "平安银行", "华夏银行")
    ],
    ("中原银行", "410100", "all", 4.0),
    ("河南农商联合银行", "410100", "all", 1.5),
    ("郑州银行", "410100", "home", 4.0),
    ("洛阳银行", "410300", "home", 4.0),
    ("平顶山银行", "410400", "home", 4.0),
    ("焦作中旅银行", "410800", "home", 4.0),
    *[(name, city, "home", 3.0) for city, name in RURAL_BANKS],
]
assert len(BANKS) == 50

PRODUCT_CATEGORIES = {
    "general": 25,
    "credit": 15,
    "first_loan": 10,
    "renewal": 8,
    "tech": 8,
    "specialized": 6,
    "gov_procurement": 6,
    "supply_chain_receivable": 6,
    "supply_chain_order": 4,
    "supply_chain_warehouse": 2,
    "supply_chain_waybill": 2,
}
OPEN_DEMAND_SHARE = 0.15
PURPOSES = ["流动资金周转", "采购原材料", "设备购置", "支付货款", "技术研发投入", "扩大生产", "订单履约", "厂房租赁"]
INDUSTRIES = ["C13", "C18", "C26", "C34", "C38", "C39", "F51", "F52", "I65", "E48", "A01", "G54", "M73"]
REJECT_REASONS = (
    ["credit_record"] * 30
    + ["insufficient_repayment"] * 30
    + ["outside_policy"] * 15
    + ["incomplete_materials"] * 12
    + ["duplicate"] * 5
    + ["unreachable"] * 5
    + ["other"] * 3
)
GUARANTEES = ["credit"] * 45 + ["guarantee"] * 25 + ["mortgage"] * 25 + ["pledge"] * 5
TERMS = [6, 12, 12, 12, 12, 24, 24, 36]
APPROVED_SHARE = [1, 1, 1, 1, 1, 1, 0.8, 0.8, 0.6, 0.5]  # of the amount applied for
# Relative chance of a submission in each local hour, and on a weekend day.
HOUR_WEIGHT = [0.03] * 7 + [0.2, 0.6, 1, 1, 1, 0.6, 0.6, 1, 1, 1, 1, 0.5, 0.3, 0.3, 0.3, 0.1, 0.1]
WEEKEND_WEIGHT = 0.25

COLUMNS = (
    "enterprise_id, product_id, bank_id, amount, term_months, purpose, status, region_code, category, "
    "whitelisted, submitted_at, accept_due_at, accepted_at, decided_at, signed_at, disbursed_at, "
    "approved_amount, rate, approved_term_months, guarantee, first_loan, pure_credit, renewal, "
    "reason_code, reason, contract_no, signed_amount, signed_on, disbursed_amount, disbursed_on"
)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def local_epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=SHANGHAI).timestamp())


def moment(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, SHANGHAI)


def bench_window() -> tuple[date, date]:
    """The first and last month of the data set: the 36 months ending at the current month,
    or, once generated, the months it was generated for (so later runs measure the same)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT MIN(submitted_at) FROM lending_application WHERE enterprise_id IN "
            "(SELECT id FROM hub_organization WHERE kind = 'enterprise' AND name LIKE %s)",
            [NAME_PREFIX + "%"],
        )
        first = cursor.fetchone()[0]
    if first is not None:
        local = first.astimezone(SHANGHAI)
        first_month = date(local.year, local.month, 1)
        return first_month, add_months(first_month, MONTHS - 1)
    today = datetime.now(SHANGHAI).date()
    last_month = date(today.year, today.month, 1)
    return add_months(last_month, 1 - MONTHS), last_month


def generate_organizations(enterprises: int) -> None:
    from django.db import connection

    from hub.identifiers import make_uscc
    from hub.models import Organization, User

    for index, (name, region_code, _reach, _weight) in enumerate(BANKS, start=1):
        Organization.objects.get_or_create(
            kind="bank", code=BANK_CODE.format(index), defaults={"name": name, "region_code": region_code}
        )
    regulator, _ = Organization.objects.get_or_create(
        kind="regulator",
        code=REGULATOR_CODE,
        defaults={"name": "河南省地方金融管理局 (bench)", "region_code": "410000"},
    )
    if not User.objects.filter(username=REGULATOR_USERNAME).exists():
        User.objects.create_user(username=REGULATOR_USERNAME, password=None, organization=regulator)
    city_regulator, _ = Organization.objects.get_or_create(
        kind="regulator",
        code=CITY_REGULATOR_CODE,
        defaults={"name": "郑州市地方金融管理局 (bench)", "region_code": "410100"},
    )
    if not User.objects.filter(username=CITY_REGULATOR_USERNAME).exists():
        User.objects.create_user(username=CITY_REGULATOR_USERNAME, password=None, organization=city_regulator)
    if not User.objects.filter(username=OPERATOR_USERNAME).exists():
        User.objects.create_user(username=OPERATOR_USERNAME, password=None, is_staff=True)

    have = Organization.objects.filter(kind="enterprise", name__startswith=NAME_PREFIX).count()
    if have >= enterprises:
        return
    print(f"generating {enterprises - have} enterprises …", flush=True)
    cities = list(CITIES)
    city_weights = [CITIES[city][0] for city in cities]
    now = datetime.now(SHANGHAI)
    rng = random.Random(1000 + have)  # an extension draws new enterprises, not the same ones again
    with connection.cursor() as cursor:
        with cursor.connection.cursor().copy(
            "COPY hub_organization (kind, code, name, region_code, industry_code, scale, "
            "legal_representative, legal_representative_id_number, legal_representative_id_index, "
            "contact_phone, is_active, created_at) FROM STDIN"
        ) as copy:
            for index in range(have, enterprises):
                districts = CITIES[rng.choices(cities, city_weights)[0]][1]
                # Urban districts (code ending below 20) hold more enterprises than counties.
                region_code = rng.choices(districts, [2 if int(code[4:]) < 20 else 1 for code in districts])[0]
                uscc = make_uscc(region_code=region_code, serial=FIRST_SERIAL + index)
                scale = rng.choices(["micro", "small", "medium"], [55, 33, 12])[0]
                copy.write_row(
                    (
                        "enterprise",
                        uscc,
                        f"{NAME_PREFIX}{index}",
                        region_code,
                        rng.choice(INDUSTRIES),
                        scale,
                        "",
                        "",
                        "",
                        "",
                        True,
                        now,
                    )
                )


def bank_choices(bank_ids: list[int]) -> dict[str, tuple[list[int], list[float]]]:
    """For each city: the banks lending there and their cumulative weights."""
    result = {}
    for city in CITIES:
        ids, weights = [], []
        for bank_id, (_name, region_code, reach, weight) in zip(bank_ids, BANKS, strict=True):
            if reach == "all" or (reach == "major" and city in MAJOR_CITIES) or region_code == city:
                ids.append(bank_id)
                weights.append(weight)
            elif reach == "home" and region_code == "410100" and city in MAJOR_CITIES:
                ids.append(bank_id)  # 郑州银行's branches in the larger cities
                weights.append(1.0)
        cumulative, total = [], 0.0
        for weight in weights:
            total += weight
            cumulative.append(total)
        result[city] = (ids, cumulative)
    return result


def count_applications() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM lending_application WHERE enterprise_id IN "
            "(SELECT id FROM hub_organization WHERE kind = 'enterprise' AND name LIKE %s)",
            [NAME_PREFIX + "%"],
        )
        return cursor.fetchone()[0]


def generate_applications(applications: int, window: tuple[date, date]) -> int:
    """COPY the missing applications; returns how many were added."""
    from django.db import connection

    from hub.models import Organization

    have = count_applications()
    if have >= applications:
        return 0
    first_month, last_month = window
    now_epoch = int(time.time())
    # Months, their start and length in seconds (the current month only up to now), and
    # their weight: volume grows over the three years, February (Spring Festival) is quiet,
    # quarter ends are busy.
    months = []
    for offset in range(MONTHS):
        month = add_months(first_month, offset)
        start = local_epoch(month)
        full = local_epoch(add_months(month, 1)) - start
        span = min(full, now_epoch - start)
        if span <= 0:
            continue
        season = {2: 0.6, 3: 1.15, 6: 1.15, 9: 1.1, 12: 1.2}.get(month.month, 1.0)
        months.append((start, span, (0.6 + 0.8 * offset / (MONTHS - 1)) * season * span / full))
    month_cumulative, total = [], 0.0
    for _start, _span, weight in months:
        total += weight
        month_cumulative.append(total)

    enterprise_rows = list(
        Organization.objects.filter(kind="enterprise", name__startswith=NAME_PREFIX)
        .order_by("id")
        .values_list("id", "region_code")
    )
    bank_ids = [
        Organization.objects.get(kind="bank", code=BANK_CODE.format(index)).pk for index in range(1, len(BANKS) + 1)
    ]
    banks_in = bank_choices(bank_ids)
    categories = list(PRODUCT_CATEGORIES)
    category_cumulative = []
    total = 0.0
    for category in categories:
        total += PRODUCT_CATEGORIES[category]
        category_cumulative.append(total)

    bank_numbers = {bank_id: number for number, bank_id in enumerate(bank_ids, start=1)}
    rng = random.Random(2000 + have)  # an extension draws new applications, not the same ones again
    random_ = rng.random
    randrange = rng.randrange
    lognormal = rng.lognormvariate
    pick = bisect.bisect
    n_enterprises = len(enterprise_rows)
    print(f"generating {applications - have} applications ({n_enterprises} enterprises) …", flush=True)

    def row_for(index: int, start: int, span: int) -> tuple:
        # Some enterprises apply much more often than others.
        enterprise_id, region_code = enterprise_rows[int(n_enterprises * random_() ** 1.5)]
        city = region_code[:4] + "00" if region_code != "419001" else region_code
        while True:  # office hours on working days, mostly
            submitted = start + randrange(span)
            local = submitted + 8 * 3600
            weight = HOUR_WEIGHT[(local % DAY) // 3600] * (WEEKEND_WEIGHT if (local // DAY + 3) % 7 >= 5 else 1)
            if random_() < weight:
                break
        open_demand = random_() < OPEN_DEMAND_SHARE
        if open_demand:
            category = "open_demand"
        else:
            category = categories[pick(category_cumulative, random_() * category_cumulative[-1])]
        ids, cumulative = banks_in[city]
        bank_id = ids[pick(cumulative, random_() * cumulative[-1])]
        amount = min(30_000_000, max(50_000, round(lognormal(math.log(800_000), 1.0) / 10_000) * 10_000))
        term = TERMS[randrange(len(TERMS))]
        status = "submitted"
        accepted = decided = signed = disbursed = None
        approved_amount = rate = approved_term = signed_amount = disbursed_amount = None
        guarantee = reason_code = reason = contract_no = ""
        first_loan = pure_credit = False

        def at(base: int, low_days: float, high_days: float) -> int | None:
            """A moment between low and high days after base (skewed early), None if in the future."""
            value = base + int((low_days + (high_days - low_days) * random_() ** 2) * DAY)
            return value if value <= now_epoch else None

        draw = random_()
        if open_demand and draw < 0.28:  # nobody claimed it: still open, or withdrawn
            bank_id = None
            if draw < 0.10:
                decided = at(submitted, 0, 20)
                if decided:
                    status = "withdrawn"
        elif open_demand or draw < 0.88:  # accepted (an open demand: claimed, which accepts it)
            accepted = at(submitted, 0, 10)
            if accepted:
                status = "accepted"
                draw = random_()
                if draw < 0.68:
                    decided = at(accepted, 1, 15)
                    if decided:
                        status = "approved"
                        approved_amount = max(10_000, int(amount * APPROVED_SHARE[randrange(len(APPROVED_SHARE))]))
                        approved_amount -= approved_amount % 10_000
                        rate = f"{randrange(345, 651) / 100:.4f}"
                        approved_term = term if random_() < 0.85 else TERMS[randrange(len(TERMS))]
                        guarantee = GUARANTEES[randrange(len(GUARANTEES))]
                        first_loan = category == "first_loan" or random_() < 0.12
                        pure_credit = guarantee == "credit" and random_() < 0.9
                        if random_() < 0.88:
                            signed = at(decided, 1, 10)
                            if signed:
                                status = "signed"
                                contract_no = f"HT{moment(signed).year}{bank_numbers[bank_id]:02d}{index:08d}"
                                signed_amount = approved_amount
                                if random_() < 0.15:
                                    signed_amount = max(10_000, approved_amount * 9 // 10 // 10_000 * 10_000)
                                if random_() < 0.95:
                                    disbursed = at(signed, 0, 5)
                                    if disbursed:
                                        status = "disbursed"
                                        disbursed_amount = signed_amount
                                        if random_() < 0.1:
                                            disbursed_amount = max(10_000, signed_amount // 2 // 10_000 * 10_000)
                elif draw < 0.94:
                    decided = at(accepted, 1, 15)
                    if decided:
                        status = "rejected"
                elif draw < 0.97:
                    decided = at(accepted, 0, 10)
                    if decided:
                        status = "withdrawn"
                # else: still being reviewed
        elif draw < 0.93:
            decided = at(submitted, 0, 5)
            if decided:
                status = "rejected"
        elif draw < 0.97:
            decided = at(submitted, 0, 10)
            if decided:
                status = "withdrawn"
        # else: never accepted (overdue)
        if status == "rejected":
            reason_code = REJECT_REASONS[randrange(len(REJECT_REASONS))]
            reason = "" if random_() < 0.7 else "经审核暂不符合准入条件"
        return (
            enterprise_id,
            None,
            bank_id,
            f"{amount}.00",
            term,
            PURPOSES[randrange(len(PURPOSES))],
            status,
            region_code,
            category,
            random_() < 0.1,
            moment(submitted),
            moment(submitted + randrange(3 * DAY, 5 * DAY + 1)),
            moment(accepted) if accepted else None,
            moment(decided) if decided else None,
            moment(signed) if signed else None,
            moment(disbursed) if disbursed else None,
            f"{approved_amount}.00" if approved_amount else None,
            rate,
            approved_term,
            guarantee,
            first_loan,
            pure_credit,
            category == "renewal" and approved_amount is not None,
            reason_code,
            reason,
            contract_no,
            f"{signed_amount}.00" if signed_amount else None,
            moment(signed).date() if signed else None,
            f"{disbursed_amount}.00" if disbursed_amount else None,
            moment(disbursed).date() if disbursed else None,
        )

    per_month = [0] * len(months)
    for _ in range(applications - have):
        per_month[pick(month_cumulative, random_() * month_cumulative[-1])] += 1
    started = time.perf_counter()
    index, written = have, 0
    with connection.cursor() as cursor:
        raw = cursor.connection
        # Month by month, in order of submission, as a live system stores them (the table's
        # physical order follows submitted_at, which the edge-month reads depend on); one
        # COPY (one transaction) per month, so an interrupted run keeps what it wrote.
        for (start, span, _weight), count in zip(months, per_month, strict=True):
            rows = []
            for _ in range(count):
                rows.append(row_for(index, start, span))
                index += 1
            rows.sort(key=lambda row: row[10])  # submitted_at
            with raw.cursor().copy(f"COPY lending_application ({COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            if (written + count) // COPY_CHUNK > written // COPY_CHUNK or written + count == applications - have:
                print(f"  {have + written + count} applications ({time.perf_counter() - started:.0f} s)", flush=True)
            written += count
    return applications - have


def prepare(options) -> tuple[date, date]:
    from django.db import connection

    from lending.stats_maintenance import aggregates_rebuild

    window = bench_window()
    started = time.perf_counter()
    generate_organizations(options.enterprises)
    added = generate_applications(options.applications, window)
    with connection.cursor() as cursor:
        if added:
            print(f"generated {added} applications in {time.perf_counter() - started:.0f} s", flush=True)
        else:
            print(f"data set present: {count_applications()} applications", flush=True)
        cursor.execute("SELECT COUNT(*) FROM lending_application")
        applications = cursor.fetchone()[0]
        aggregated = set()
        for table in COUNTER_TABLES:
            cursor.execute(f"SELECT COALESCE(SUM(applications), 0) FROM {table}")
            aggregated.add(cursor.fetchone()[0])
        if added or aggregated != {applications} or options.rebuild:
            rebuild_started = time.perf_counter()
            rows = aggregates_rebuild()
            print(
                f"aggregates_rebuild(): {rows} aggregate rows in {time.perf_counter() - rebuild_started:.1f} s",
                flush=True,
            )
            analyze_started = time.perf_counter()
            # VACUUM too, so that autovacuum does not start on the fresh rows mid-measurement.
            cursor.execute("VACUUM (ANALYZE) lending_application")
            cursor.execute(f"VACUUM (ANALYZE) {', '.join(COUNTER_TABLES)}")
            cursor.execute("ANALYZE hub_organization")
            print(f"VACUUM ANALYZE in {time.perf_counter() - analyze_started:.1f} s", flush=True)
        sizes = []
        for table in COUNTER_TABLES:
            cursor.execute(f"SELECT COUNT(*), pg_size_pretty(pg_total_relation_size('{table}')) FROM {table}")
            count, size = cursor.fetchone()
            sizes.append(f"{table.removeprefix('lending_lendingby')} {count} ({size})")
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('lending_application'))")
        application_size = cursor.fetchone()[0]
    print(
        f"data: {applications} applications ({application_size} with indexes); months {window[0]:%Y-%m} … "
        f"{window[1]:%Y-%m}; counter rows: {', '.join(sizes)}",
        flush=True,
    )
    return window


def measure(function, runs: int, warmups: int = 2) -> tuple[list[float], object]:
    for _ in range(warmups):
        function()
    times = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - started) * 1000)
    return times, result


def time_in_database(function) -> float:
    """Milliseconds one call's statements took in PostgreSQL, as the client saw them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        function()
    return sum(float(query["time"]) for query in queries) * 1000


def database_url_for(scale: float) -> str:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    if scale == 1:
        return url
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"{parts.path}_x{scale:g}"))


def run(options, scale: float) -> dict:
    """Measure every grouping at one scale; returns {"reader grouping": (median, p90)}."""
    options.applications = options.applications or round(APPLICATIONS * scale)
    options.enterprises = options.enterprises or round(ENTERPRISES * scale)
    url = database_url_for(scale)
    setup(database_url=url)
    print(f"scale {scale:g}× ({urlsplit(url).path.lstrip('/')})", flush=True)
    first_month, last_month = prepare(options)

    from hub.models import User
    from lending.stats import GROUPINGS, lending_rows, raw_lending_rows

    date_from = first_month.replace(day=15)  # partial months at both ends
    date_to = last_month.replace(day=15)
    users = [
        ("operator", User.objects.get(username=OPERATOR_USERNAME)),
        ("regulator 410000", User.objects.get(username=REGULATOR_USERNAME)),
        ("regulator 410100", User.objects.get(username=CITY_REGULATOR_USERNAME)),
    ]
    raw_runs = options.raw_runs or (options.runs if scale <= 1 else 3)
    print(f"from {date_from} to {date_to}; {options.runs} runs (raw: {raw_runs}) after warm-ups", flush=True)
    slow, differ, figures = [], [], {}
    for label, user in users:
        for group_by in GROUPINGS:
            arguments = {"user": user, "group_by": group_by, "date_from": date_from, "date_to": date_to}
            times, rows = measure(lambda arguments=arguments: lending_rows(**arguments), options.runs)
            in_database = median(
                [time_in_database(lambda arguments=arguments: lending_rows(**arguments)) for _ in range(5)]
            )
            raw_times, raw_rows = measure(
                lambda arguments=arguments: raw_lending_rows(**arguments), raw_runs, warmups=1
            )
            # The answers must be equal; a difference is reported after the figures (and fails the run).
            if rows != raw_rows:
                differ.append((f"{label} {group_by}", rows, raw_rows))
            typical, high, raw_typical = median(times), percentile(times, 0.9), median(raw_times)
            figures[f"{label} {group_by}"] = (typical, high)
            if typical >= GOAL_MEDIAN_MS or high >= GOAL_P90_MS:
                slow.append(f"{label} {group_by}")
            print(
                f"{label:<17} {group_by:<8} {len(rows):4d} rows  median {typical:6.1f} ms  "
                f"p90 {high:6.1f} ms  (goal < {GOAL_MEDIAN_MS} / {GOAL_P90_MS} ms; in PostgreSQL {in_database:5.1f} ms)  "
                f"raw median {raw_typical:7.1f} ms  speed-up {raw_typical / typical:6.1f}×  "
                + ("rows match" if rows == raw_rows else "ROWS DIFFER"),
                flush=True,
            )
    print(
        f"all groupings under {GOAL_MEDIAN_MS} ms median and {GOAL_P90_MS} ms p90"
        if not slow
        else f"over the goal: {', '.join(slow)}"
    )
    for name, rows, raw_rows in differ:
        print(f"{name}: lending_rows ({len(rows)} rows) differs from raw_lending_rows ({len(raw_rows)} rows):")
        for row in rows:
            if row not in raw_rows:
                print(f"  only aggregated: {row}")
        for row in raw_rows:
            if row not in rows:
                print(f"  only raw:        {row}")
    assert not differ, "aggregated rows differ from the raw GROUP BY: " + ", ".join(name for name, *_ in differ)
    return figures


def compare(scales: list[float], argv: list[str]) -> None:
    """Each scale in its own process (Django is set up once per process), then the figures
    of every grouping against the first scale's."""
    results = {}
    for scale in scales:
        child = subprocess.run(
            [sys.executable, __file__, *argv, "--scale", f"{scale:g}", "--figures"],
            stdout=subprocess.PIPE,
            text=True,
            check=True,
        )
        lines = child.stdout.splitlines()
        print("\n".join(lines[:-1]), flush=True)
        results[scale] = json.loads(lines[-1])
    base = scales[0]
    print(f"\nper request at each scale against {base:g}× (goal: within {GOAL_SCALE_RATIO}×)")
    for name, (typical, high) in results[base].items():
        ratios = "  ".join(
            f"{scale:g}×: median {results[scale][name][0]:6.1f} ms ({results[scale][name][0] / typical:4.2f}×)  "
            f"p90 {results[scale][name][1]:6.1f} ms ({results[scale][name][1] / high:4.2f}×)"
            for scale in scales[1:]
        )
        print(f"  {name:<26} {base:g}×: median {typical:6.1f} ms  p90 {high:6.1f} ms  {ratios}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, nargs="+", default=[1.0], help="data size against 2M applications")
    parser.add_argument("--applications", type=int, default=None, help="default: 2,000,000 × scale")
    parser.add_argument("--enterprises", type=int, default=None, help="default: 200,000 × scale")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--raw-runs", type=int, default=None, help="runs of the raw GROUP BY (default: --runs; 3 above 1×)"
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild the aggregates even if they look current")
    parser.add_argument("--figures", action="store_true", help=argparse.SUPPRESS)  # a child of compare()
    options = parser.parse_args()
    if len(options.scale) > 1:
        argv = sys.argv[1:]
        position = argv.index("--scale")
        while position + 1 < len(argv) and not argv[position + 1].startswith("--"):
            del argv[position + 1]
        del argv[position]
        compare(options.scale, argv)
        return
    figures = run(options, options.scale[0])
    if options.figures:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
