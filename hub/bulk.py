"""Rows of one table, each changed to values of its own, by one statement per few hundred rows.

Django's ``bulk_update`` builds a ``CASE WHEN id = … THEN …`` expression per field and row, and
building it costs the Python of a few milliseconds per dozen rows and fields: more than the
database's work for a batch of the retention purge. This sends ``UPDATE … FROM (VALUES …)``
instead, the values prepared by each field as ``save()`` would.
"""

from __future__ import annotations

from django.db import connections, router
from django.db.models import Model

ROWS_PER_STATEMENT = 500


def rows_update(objects: list[Model], fields: list[str]) -> None:
    """Store ``fields`` of each of ``objects`` (instances of one model with primary keys)."""
    if not objects:
        return
    model = type(objects[0])
    connection = connections[router.db_for_write(model)]
    if not _updates_from(connection):  # SQLite before 3.33
        model._default_manager.bulk_update(objects, fields)
        return
    quote = connection.ops.quote_name
    pk = model._meta.pk
    columns = [pk, *(model._meta.get_field(name) for name in fields)]
    if connection.vendor == "postgresql":  # VALUES types its columns by their literals: cast each
        row = "(" + ", ".join(f"CAST(%s AS {field.db_type(connection)})" for field in columns) + ")"
    else:
        row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    names = ", ".join(f"v{index}" for index in range(len(columns)))
    table = quote(model._meta.db_table)
    assignments = ", ".join(f"{quote(field.column)} = v.v{index}" for index, field in enumerate(columns) if index)
    per_statement = min(ROWS_PER_STATEMENT, (connection.features.max_query_params or 65535) // len(columns))
    with connection.cursor() as cursor:
        for start in range(0, len(objects), per_statement):
            batch = objects[start : start + per_statement]
            cursor.execute(
                f"WITH v ({names}) AS (VALUES {', '.join([row] * len(batch))}) "
                f"UPDATE {table} SET {assignments} FROM v WHERE {table}.{quote(pk.column)} = v.v0",
                [
                    field.get_db_prep_save(getattr(instance, field.attname), connection)
                    for instance in batch
                    for field in columns
                ],
            )


def _updates_from(connection) -> bool:
    if connection.vendor == "postgresql":
        return True
    if connection.vendor == "sqlite":
        import sqlite3

        return sqlite3.sqlite_version_info >= (3, 33)
    return False
