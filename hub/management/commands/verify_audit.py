from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hub.audit import verify_chains
from hub.audit_checkpoints import BrokenCheckpoint, checkpoint_directory, checkpoint_pins, checkpoints_latest


class Command(BaseCommand):
    help = (
        "Verify every audit chain: each event's keyed hash and link, and every chain head against the newest "
        "signed audit checkpoints; print OK or the first broken event or checkpoint (exit status 1)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoint-dir",
            type=Path,
            help="the checkpoints to hold the chains to, e.g. a copy fetched from off the database host "
            "(default: HUB_AUDIT_CHECKPOINT_DIR)",
        )
        parser.add_argument(
            "--checkpoints", type=int, default=1, help="how many of the newest checkpoints to check (default 1)"
        )

    def handle(self, *args, checkpoint_dir: Path | None, checkpoints: int, **options):
        if checkpoints < 1:
            raise CommandError("--checkpoints must be at least 1.")
        directory = checkpoint_dir or checkpoint_directory()
        try:
            latest = checkpoints_latest(directory, count=checkpoints)
        except BrokenCheckpoint as broken:
            raise CommandError(f"BROKEN: checkpoint {broken.name} in {directory}: {broken.reason}") from None
        checked, broken = verify_chains(pins=checkpoint_pins(latest))
        if broken is not None:
            where = f"event id {broken.event_id}" if broken.event_id else "no event"
            raise CommandError(f"BROKEN: chain {broken.chain}, sequence {broken.sequence} ({where}): {broken.reason}")
        if latest:
            self.stdout.write(f"OK: {checked} events verified; the chains agree with checkpoint {latest[-1].name}")
        else:
            self.stdout.write(
                f"OK: {checked} events verified; no audit checkpoint in {directory} yet, so events removed from "
                "the end of a chain cannot be seen (manage.py audit_checkpoint writes one)"
            )
