from __future__ import annotations

from django.db import models


class LendingCounters(models.Model):
    """Running totals of applications by the month they were submitted, kept up to date in
    the same transaction as every application change (lending/stats_maintenance.py).

    One table per grouping, each as small as its grouping allows — the region table by
    district, the bank and category tables by city — so statistics over millions of
    applications read thousands of rows, not hundreds of thousands."""

    month = models.DateField()  # the first day of the month of submission
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
