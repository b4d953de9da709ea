"""Load the year's public holidays and make-up working days (调休) from a CSV file with the
header ``day,working,note``: ``2027-10-01,0,国庆节`` is a holiday, ``2027-09-26,1,国庆调休``
a working Sunday. Safe to run again; corrections update the listed days."""

from django.core.management.base import BaseCommand, CommandError

from hub.errors import HubError
from lending.services.working_calendar import calendar_load, calendar_rows


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("path", help="CSV file: day,working,note")

    def handle(self, *args, path, **options):
        try:
            with open(path, encoding="utf-8-sig", newline="") as file:
                rows = calendar_rows(file)
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from None
        except HubError as error:
            raise CommandError(str(error.message)) from None
        result = calendar_load(rows=rows)
        self.stdout.write(
            f"{len(rows)} days: {result.created} added, {result.updated} corrected, {result.unchanged} unchanged"
        )
