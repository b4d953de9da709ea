"""Working days for service-level deadlines (受理时限): Monday to Friday, except the public
holidays and make-up working days (调休) the operator has loaded as :class:`CalendarDay`
rows. Without any loaded, weekends are the only days off. In hub, not lending, because
dispute deadlines (connectors) count working days as the lending deadlines do."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hub.models import CalendarDay

# Days of exceptions read per query: the longest holiday (Spring Festival, National Day) is
# about a week, so a window this size rarely needs a second read.
_WINDOW = timedelta(days=60)


def _exceptions(first: date, last: date) -> dict[date, bool]:
    return dict(CalendarDay.objects.filter(day__gte=first, day__lte=last).values_list("day", "working"))


def is_working_day(day: date, exceptions: dict[date, bool]) -> bool:
    return exceptions.get(day, day.weekday() < 5)


def add_working_days(start: datetime, days: int) -> datetime:
    """The moment ``days`` working days after ``start``, at the same time of day."""
    moment, remaining = start, days
    window_end = start.date() - timedelta(days=1)
    exceptions: dict[date, bool] = {}
    while remaining > 0:
        moment += timedelta(days=1)
        if moment.date() > window_end:
            window_end = moment.date() + _WINDOW
            exceptions = _exceptions(moment.date(), window_end)
        if is_working_day(moment.date(), exceptions):
            remaining -= 1
    return moment
