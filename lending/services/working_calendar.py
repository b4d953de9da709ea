"""Loading the working-day calendar: the year's public holidays and make-up working days."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from hub.errors import HubError
from hub.models import CalendarDay
from lending import audit

WORKING = {"1", "true", "yes", "y", "working", "上班", "工作日", "是"}
OFF = {"0", "false", "no", "n", "holiday", "休", "休息", "节假日", "否"}


class Messages:
    HEADER = _("The header must be day,working,note (note is optional).")
    DAY = _("Line %(line)d, day: expected a date such as 2027-10-01, not %(value)r.")
    WORKING = _("Line %(line)d, working: expected 1 (a working day) or 0 (a holiday), not %(value)r.")
    REPEATED = _("Line %(line)d, day: %(day)s is already on line %(first)d.")


@dataclass(frozen=True)
class CalendarLoad:
    created: int
    updated: int
    unchanged: int


def calendar_rows(lines) -> list[tuple[date, bool, str]]:
    """Parse ``day,working,note`` CSV lines; raises HubError naming the line and field of
    the first mistake."""
    reader = csv.reader(lines)
    header = [title.strip().lstrip("\ufeff").lower() for title in next(reader, [])]
    if header[:2] != ["day", "working"]:
        raise HubError(Messages.HEADER, code="invalid_calendar", fields={"file": [str(Messages.HEADER)]})
    rows, seen = [], {}
    for line, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        cells = [*cells, "", ""]
        text, flag, note = cells[0].strip(), cells[1].strip().lower(), cells[2].strip()
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise _invalid(Messages.DAY % {"line": line, "value": text}) from None
        if flag not in WORKING | OFF:
            raise _invalid(Messages.WORKING % {"line": line, "value": cells[1].strip()})
        if day in seen:
            raise _invalid(Messages.REPEATED % {"line": line, "day": day.isoformat(), "first": seen[day]})
        seen[day] = line
        rows.append((day, flag in WORKING, note[:100]))
    return rows


def _invalid(message: str) -> HubError:
    return HubError(message, code="invalid_calendar", fields={"file": [message]})


@transaction.atomic
def calendar_load(*, rows: list[tuple[date, bool, str]], actor=None) -> CalendarLoad:
    """Add or correct exceptions to the weekday rule (days not listed are left as they are).
    Deadlines already set keep their dates; new ones follow the calendar."""
    existing = {day.day: day for day in CalendarDay.objects.select_for_update().filter(day__in=[r[0] for r in rows])}
    created = updated = 0
    for day, working, note in rows:
        current = existing.get(day)
        if current is None:
            CalendarDay.objects.create(day=day, working=working, note=note)
            created += 1
        elif (current.working, current.note) != (working, note):
            CalendarDay.objects.filter(pk=current.pk).update(working=working, note=note)
            updated += 1
    result = CalendarLoad(created=created, updated=updated, unchanged=len(rows) - created - updated)
    if created or updated:
        audit.calendar_loaded(
            actor=actor,
            days=len(rows),
            created=created,
            updated=updated,
            first=min(row[0] for row in rows),
            last=max(row[0] for row in rows),
        )
    return result
