"""Credit records keep their category and source id encrypted, found by blind indexes
(connectors/record_keys.py). Existing rows are converted in batches, each in its own
transaction (the migration is not atomic), and the conversion runs backwards too.

The formulas of the blind indexes are written out here rather than imported, so this
migration keeps doing what it did when the code moves on.
"""

from django.db import migrations, models, transaction

import hub.fields
from hub import crypto

BATCH = 1000
TABLE = "connectors_creditrecord"
CATEGORY_CONTEXT = "connectors.CreditRecord.category"
SOURCE_ID_CONTEXT = "connectors.CreditRecord.source_id"


def _batches(connection, select_sql):
    last_id = 0
    while True:
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                cursor.execute(select_sql, [last_id, BATCH])
                rows = cursor.fetchall()
                if not rows:
                    return
                yield cursor, rows
        last_id = rows[-1][0]


def encrypt_rows(apps, schema_editor):
    connection = schema_editor.connection
    select = (
        f"SELECT id, enterprise_id, category, source_id FROM {TABLE} "
        "WHERE id > %s AND source_key IS NULL ORDER BY id LIMIT %s"
    )
    for cursor, rows in _batches(connection, select):
        cursor.executemany(
            f"UPDATE {TABLE} SET category = %s, source_id = %s, category_key = %s, source_key = %s WHERE id = %s",
            [
                (
                    crypto.encrypt(category, context=CATEGORY_CONTEXT),
                    crypto.encrypt(source_id, context=SOURCE_ID_CONTEXT),
                    crypto.blind_index(f"{enterprise_id}\x00{category}", purpose="credit_record.category"),
                    crypto.blind_index(f"{category}\x00{source_id}", purpose="credit_record.source"),
                    pk,
                )
                for pk, enterprise_id, category, source_id in rows
            ],
        )


def decrypt_rows(apps, schema_editor):
    connection = schema_editor.connection
    select = f"SELECT id, category, source_id FROM {TABLE} WHERE id > %s ORDER BY id LIMIT %s"
    for cursor, rows in _batches(connection, select):
        cursor.executemany(
            f"UPDATE {TABLE} SET category = %s, source_id = %s WHERE id = %s",
            [
                (
                    crypto.decrypt(category, context=CATEGORY_CONTEXT),
                    crypto.decrypt(source_id, context=SOURCE_ID_CONTEXT),
                    pk,
                )
                for pk, category, source_id in rows
            ],
        )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("connectors", "0005_pull_status_revoked"),
    ]

    operations = [
        migrations.AddField(
            model_name="creditrecord",
            name="category_key",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="creditrecord",
            name="source_key",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.AlterField(
            model_name="creditrecord",
            name="category",
            field=hub.fields.EncryptedTextField(),
        ),
        migrations.AlterField(
            model_name="creditrecord",
            name="source_id",
            field=hub.fields.EncryptedTextField(),
        ),
        migrations.RunPython(encrypt_rows, decrypt_rows, elidable=False),
        migrations.RemoveConstraint(
            model_name="creditrecord",
            name="credit_record_source_unique",
        ),
        migrations.RemoveIndex(
            model_name="creditrecord",
            name="credit_record_enterprise_cat",
        ),
        migrations.AlterField(
            model_name="creditrecord",
            name="category_key",
            field=models.CharField(max_length=64),
        ),
        migrations.AlterField(
            model_name="creditrecord",
            name="source_key",
            field=models.CharField(max_length=64),
        ),
        migrations.AddConstraint(
            model_name="creditrecord",
            constraint=models.UniqueConstraint(fields=("connector", "source_key"), name="credit_record_source_key_unique"),
        ),
        migrations.AddIndex(
            model_name="creditrecord",
            index=models.Index(fields=["enterprise", "category_key"], name="credit_record_enterprise_key"),
        ),
    ]
