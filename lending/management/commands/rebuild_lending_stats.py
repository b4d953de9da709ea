from django.core.management.base import BaseCommand

from lending.loan_counters import loan_counters_rebuild
from lending.stats_maintenance import aggregates_rebuild


class Command(BaseCommand):
    help = (
        "Recompute the monthly lending aggregates from the applications, and the loan book's "
        "counters from the loans and their reports (after a bulk load or a repair)."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{aggregates_rebuild()} aggregate rows rebuilt.")
        self.stdout.write(f"{loan_counters_rebuild()} loan counter rows rebuilt.")
