from __future__ import annotations

from django.db import models


class Counters(models.Model):
    """Running totals of applications, kept up to date in the same transaction as every
    application change (lending/stats_maintenance.py)."""

    applications = models.IntegerField(default=0)
    accepted = models.IntegerField(default=0)
    approved = models.IntegerField(default=0)
    rejected = models.IntegerField(default=0)
    signed = models.IntegerField(default=0)
    disbursed = models.IntegerField(default=0)
    disbursed_amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    accept_seconds = models.BigIntegerField(default=0)  # summed time from submission to acceptance
    first_loans = models.IntegerField(default=0)
    pure_credit_loans = models.IntegerField(default=0)

    class Meta:
        abstract = True


class LendingCounters(Counters):
    """Totals by the month of submission: statistics read them for the whole months of a
    period.

    One table per grouping, each as small as its grouping allows — the region table by
    district, the bank and category tables by city — so statistics over millions of
    applications read thousands of rows, not hundreds of thousands."""

    month = models.DateField()  # the first day of the month of submission

    class Meta:
        abstract = True


class LendingDailyCounters(Counters):
    """Totals by the day of submission (Asia/Shanghai), keyed as the monthly tables are:
    statistics read them for the days of a period outside its whole months, so no request
    reads the applications themselves, however many there are."""

    day = models.DateField()

    class Meta:
        abstract = True


class LendingByRegion(LendingCounters):
    region_code = models.CharField(max_length=6)  # the enterprise's district

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "region_code"], name="lending_by_region_key")]


class LendingByBank(LendingCounters):
    city_code = models.CharField(max_length=6)
    bank_id = models.BigIntegerField()  # 0 for open demands nobody has claimed yet

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "city_code", "bank_id"], name="lending_by_bank_key")]


class LendingByCategory(LendingCounters):
    city_code = models.CharField(max_length=6)
    category = models.CharField(max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "city_code", "category"], name="lending_by_category_key")
        ]


class LendingByRegionDay(LendingDailyCounters):
    region_code = models.CharField(max_length=6)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "region_code"], name="lending_by_region_day_key")]


class LendingByBankDay(LendingDailyCounters):
    city_code = models.CharField(max_length=6)
    bank_id = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "city_code", "bank_id"], name="lending_by_bank_day_key")]


class LendingByCategoryDay(LendingDailyCounters):
    city_code = models.CharField(max_length=6)
    category = models.CharField(max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "city_code", "category"], name="lending_by_category_day_key")
        ]
