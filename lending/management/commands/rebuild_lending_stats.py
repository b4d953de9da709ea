from django.core.management.base import BaseCommand

from lending.stats_maintenance import aggregates_rebuild


class Command(BaseCommand):
    help = "Recompute the monthly lending aggregates from the applications (after a bulk load or a repair)."

    def handle(self, *args, **options):
        self.stdout.write(f"{aggregates_rebuild()} aggregate rows rebuilt.")
