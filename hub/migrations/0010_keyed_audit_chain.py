from django.db import migrations, models

from hub import audit_guard


def seal_legacy_events(apps, schema_editor):
    # Every event stored so far was hashed with plain SHA-256: that many events of each chain
    # may stay unkeyed. The first audit checkpoint signs the figure outside the database.
    AuditChainHead = apps.get_model("hub", "AuditChainHead")
    AuditChainHead.objects.update(legacy_sequence=models.F("sequence"))


def install_guard(apps, schema_editor):
    # SQLite adds a NOT NULL column by rebuilding the table, which drops its triggers.
    audit_guard.install(schema_editor.connection)


class Migration(migrations.Migration):
    """Audit events are hashed with a key outside the database (HMAC, ``HUB_AUDIT_KEYS``);
    the events stored before keep their plain SHA-256 and are marked so. They are not re-hashed:
    re-keying history would bless whatever had been changed in it before, and would need the
    append-only guard lifted."""

    dependencies = [("hub", "0009_deferred_tasks")]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, install_guard),
        migrations.AddField(
            model_name="auditevent",
            name="hash_scheme",
            field=models.CharField(default="sha256", max_length=16),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="key_id",
            field=models.CharField(blank=True, default="", max_length=32),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditchainhead",
            name="legacy_sequence",
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunPython(seal_legacy_events, migrations.RunPython.noop),
        migrations.RunPython(install_guard, migrations.RunPython.noop),
    ]
