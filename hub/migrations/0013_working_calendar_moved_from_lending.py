"""The working calendar moves from lending into hub: dispute deadlines (connectors) count
working days as lending's do, and connectors may not import lending. The days themselves are
copied by lending's migration 0006, which then drops its own table."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("hub", "0012_webhooks"),
    ]

    operations = [
        migrations.CreateModel(
            name="CalendarDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(unique=True)),
                ("working", models.BooleanField()),
                ("note", models.CharField(blank=True, max_length=100)),
            ],
            options={"ordering": ["day"]},
        ),
    ]
