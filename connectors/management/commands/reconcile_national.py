from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from connectors.national.facts import uplink_enabled
from connectors.national.reconciliation import HUB_COLUMNS, national_reconcile


class Command(BaseCommand):
    help = (
        "Reconcile one day's uplink facts with the national platform (docs/national-uplink.md): per fact type, "
        "what the hub recorded, sent, saw acknowledged or rejected and holds pending, against the national "
        "node's counts; prints the differences, stores the report for the operator's page, and exits 1 when "
        "the sides differ."
    )

    def add_arguments(self, parser):
        parser.add_argument("--day", help="YYYY-MM-DD (Asia/Shanghai); yesterday by default")

    def handle(self, *args, **options):
        if not uplink_enabled():
            raise CommandError("The national link is off: set HUB_NATIONAL_URL (README, Configuration).")
        try:
            day = date.fromisoformat(options["day"]) if options["day"] else timezone.localdate() - timedelta(days=1)
        except ValueError:
            raise CommandError(f"--day takes a date as YYYY-MM-DD, not {options['day']!r}.") from None
        report = national_reconcile(day=day)
        if report.error:
            raise CommandError(f"The national node did not answer its counts: {report.error}")
        self.stdout.write(f"Reconciliation of {day.isoformat()}")
        header = ["type", *HUB_COLUMNS, "national accepted", "national rejected"]
        self.stdout.write("  ".join(header))
        for fact_type in sorted(set(report.hub_counts) | set(report.national_counts)):
            ours, theirs = report.hub_counts.get(fact_type, {}), report.national_counts.get(fact_type, {})
            row = [fact_type, *(str(ours.get(column, 0)) for column in HUB_COLUMNS)]
            row += [str(theirs.get("accepted", 0)), str(theirs.get("rejected", 0))]
            self.stdout.write("  ".join(row))
        if not report.differences:
            self.stdout.write("OK: both sides agree.")
            return
        for difference in report.differences:
            self.stdout.write(
                f"DIFFERENT: {difference['type']} {difference['count']}: "
                f"hub {difference['hub']}, national {difference['national']}"
            )
        raise SystemExit(1)
