from django.core.management.base import BaseCommand

from hub.tasks import write_audit_checkpoint


class Command(BaseCommand):
    help = (
        "Write a signed checkpoint of every audit chain head now (as the periodic task does; nothing new when "
        "no chain moved) and send it to HUB_AUDIT_CHECKPOINT_URL when set."
    )

    def handle(self, *args, **options):
        self.stdout.write(write_audit_checkpoint.apply().get())
