from django.db import migrations, models


def copy_enterprise_identity(apps, schema_editor):
    Match = apps.get_model("lending", "Match")
    for match in Match.objects.select_related("enterprise").iterator():
        Match.objects.filter(pk=match.pk).update(enterprise_code=match.enterprise.code, enterprise_name=match.enterprise.name)


class Migration(migrations.Migration):
    """Matches keep the enterprise's code and name, so a whitelist can pair a bank with an
    enterprise that has not registered on the hub (then ``enterprise`` is empty)."""

    dependencies = [("lending", "0001_initial"), ("hub", "0004_access_log_index")]

    operations = [
        migrations.AddField("match", "enterprise_code", models.CharField(default="", max_length=18), preserve_default=False),
        migrations.AddField("match", "enterprise_name", models.CharField(default="", max_length=200), preserve_default=False),
        migrations.RunPython(copy_enterprise_identity, migrations.RunPython.noop),
        migrations.AlterField(
            "match",
            "enterprise",
            models.ForeignKey(
                blank=True, null=True, on_delete=models.deletion.PROTECT, related_name="enterprise_matches", to="hub.organization"
            ),
        ),
    ]
