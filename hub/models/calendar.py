from __future__ import annotations

from django.db import models


class CalendarDay(models.Model):
    """A day that breaks the weekday rule of service-level deadlines: a public holiday on a
    weekday, or a make-up working day (调休) on a weekend. The State Council publishes each
    year's arrangement; the operator loads it (``manage.py load_working_calendar``)."""

    day = models.DateField(unique=True)
    working = models.BooleanField()
    note = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {'working' if self.working else 'holiday'} {self.note}".strip()
