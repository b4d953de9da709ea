"""Service-level deadlines count working days: weekends and the loaded public holidays are
off, make-up working days (调休) are on; the operator loads the calendar from a CSV file."""

import io
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from hub.models import AuditEvent, CalendarDay
from hub.selectors.working_days import add_working_days

pytestmark = pytest.mark.django_db

# National Day 2027: Friday 1 October to Thursday 7 October off, Sunday 26 September and
# Saturday 9 October worked instead (an arrangement of the usual shape).
NATIONAL_DAY = """day,working,note
2027-09-26,1,国庆节调休
2027-10-01,0,国庆节
2027-10-04,0,国庆节
2027-10-05,0,国庆节
2027-10-06,0,国庆节
2027-10-07,0,国庆节
2027-10-09,1,国庆节调休
"""


def run_command(tmp_path, text: str) -> str:
    path = tmp_path / "calendar.csv"
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    call_command("load_working_calendar", str(path), stdout=out)
    return out.getvalue()


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def test_without_a_calendar_only_weekends_are_off():
    assert add_working_days(at("2027-09-30"), 3) == at("2027-10-05")  # Thu → Fri, Mon, Tue


def test_holidays_are_skipped_and_make_up_days_count(tmp_path):
    run_command(tmp_path, NATIONAL_DAY)

    assert add_working_days(at("2027-09-30"), 1) == at("2027-10-08")  # the holiday week is skipped
    assert add_working_days(at("2027-09-30"), 2) == at("2027-10-09")  # a working Saturday
    assert add_working_days(at("2027-09-24"), 1) == at("2027-09-26")  # a working Sunday


def test_a_deadline_beyond_the_read_window_still_sees_later_holidays(tmp_path):
    run_command(tmp_path, NATIONAL_DAY)

    assert add_working_days(at("2027-07-01"), 67) == at("2027-10-08")


def test_loading_again_changes_nothing_and_corrections_update_the_day(tmp_path):
    assert "7 added" in run_command(tmp_path, NATIONAL_DAY)
    assert "7 unchanged" in run_command(tmp_path, NATIONAL_DAY)

    output = run_command(tmp_path, "day,working,note\n2027-10-07,1,改为上班\n")

    assert "1 corrected" in output
    assert CalendarDay.objects.get(day="2027-10-07").working is True
    events = AuditEvent.objects.filter(action="calendar.loaded")
    assert events.count() == 2 and events.last().data == {"days": 1, "created": 0, "updated": 1}


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("date,off\n2027-10-01,0\n", "day,working"),
        ("day,working\n2027-10-01,0\n2027-13-01,0\n", "Line 3, day"),
        ("day,working\n2027-10-01,maybe\n", "Line 2, working"),
        ("day,working\n2027-10-01,0\n2027-10-01,1\n", "Line 3, day"),
    ],
)
def test_a_bad_line_is_named_and_nothing_is_stored(tmp_path, text, named):
    with translation.override("en"), pytest.raises(CommandError, match=named):
        run_command(tmp_path, text)

    assert not CalendarDay.objects.exists()
