"""Working days for service-level deadlines (受理时限). Weekends are not working days;
public holidays and the make-up working days around them are not modelled yet (the
government calendar changes every year), so deadlines may fall on a holiday."""

from __future__ import annotations

from datetime import datetime, timedelta


def add_working_days(start: datetime, days: int) -> datetime:
    moment = start
    remaining = days
    while remaining > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            remaining -= 1
    return moment
