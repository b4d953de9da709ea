from django.core.management.base import BaseCommand, CommandError

from hub.audit import verify_chains


class Command(BaseCommand):
    help = "Verify every audit chain; print OK or the first broken event (exit status 1)."

    def handle(self, *args, **options):
        checked, broken = verify_chains()
        if broken is None:
            self.stdout.write(f"OK: {checked} events verified")
            return
        where = f"event id {broken.event_id}" if broken.event_id else "no event"
        raise CommandError(f"BROKEN: chain {broken.chain}, sequence {broken.sequence} ({where}): {broken.reason}")
