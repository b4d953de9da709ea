from django.core.management.base import BaseCommand

from hub.services.encryption import encrypted_fields, field_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field under the active key (the first of HUB_ENCRYPTION_KEYS), "
        "in small batches, while the hub keeps running. Safe to interrupt and run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size, **options):
        total = 0
        for model, field in encrypted_fields():
            rotated = field_rotate(model=model, field_name=field.name, batch_size=batch_size)
            total += rotated
            self.stdout.write(f"{model._meta.label}.{field.name}: {rotated} rows re-encrypted")
        self.stdout.write(f"Done: {total} values re-encrypted.")
