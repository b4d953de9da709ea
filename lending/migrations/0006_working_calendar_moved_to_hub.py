"""The working calendar now lives in hub (hub migration 0013): copy the loaded days there,
then drop lending's table. Backwards, the days are copied back before hub's table goes."""

from django.db import migrations, models


def copy_days(source_app: str, target_app: str):
    def copy(apps, schema_editor):
        source = apps.get_model(source_app, "CalendarDay")
        target = apps.get_model(target_app, "CalendarDay")
        target.objects.bulk_create(
            [target(day=day.day, working=day.working, note=day.note) for day in source.objects.all()],
            batch_size=500,
        )

    return copy


class Migration(migrations.Migration):
    dependencies = [
        ("lending", "0005_stored_messages"),
        ("hub", "0013_working_calendar_moved_from_lending"),
    ]

    operations = [
        migrations.RunPython(copy_days("lending", "hub"), copy_days("hub", "lending")),
        migrations.DeleteModel(name="CalendarDay"),
    ]
