from __future__ import annotations

from django.db import models


class LendingMonthlyAggregate(models.Model):
    """Running totals of applications by the month they were submitted, the enterprise's
    region, the bank and the product category — kept up to date in the same transaction as
    every application change, so statistics over millions of applications read a few
    hundred thousand rows at most (see lending/stats.py)."""

    month = models.DateField()  # the first day of the month of submission
    region_code = models.CharField(max_length=6)
    bank_id = models.BigIntegerField()  # 0 for open demands nobody has claimed yet
    category = models.CharField(max_length=32)
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
        constraints = [
            models.UniqueConstraint(
                fields=["month", "region_code", "bank_id", "category"], name="lending_aggregate_key"
            ),
        ]
