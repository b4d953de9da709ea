from django.db import migrations

from hub import audit_guard


def install(apps, schema_editor):
    audit_guard.install(schema_editor.connection)


def remove(apps, schema_editor):
    audit_guard.lift(schema_editor.connection)


class Migration(migrations.Migration):
    """The database refuses UPDATE and DELETE on the audit table (see hub/audit_guard.py)."""

    dependencies = [("hub", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
