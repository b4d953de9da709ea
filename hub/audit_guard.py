"""The database-level guard that makes the audit table append-only.

Triggers refuse every UPDATE and DELETE of ``hub_auditevent``, whoever connects — the
application's code cannot change history by mistake, and someone who wants to must first
lift the guard with DDL rights, which is itself visible to database auditing. (TRUNCATE,
which needs the table owner's rights, stays possible for test-database resets.)
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

TABLE = "hub_auditevent"
MESSAGE = "hub_auditevent is append-only"

_POSTGRES_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION hub_audit_event_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
    END;
    $$ LANGUAGE plpgsql
    """,
    f"DROP TRIGGER IF EXISTS hub_audit_event_append_only ON {TABLE}",
    f"""
    CREATE TRIGGER hub_audit_event_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION hub_audit_event_append_only()
    """,
]
_POSTGRES_REMOVE = [
    f"DROP TRIGGER IF EXISTS hub_audit_event_append_only ON {TABLE}",
    "DROP FUNCTION IF EXISTS hub_audit_event_append_only()",
]
_SQLITE_INSTALL = [
    f"""
    CREATE TRIGGER IF NOT EXISTS hub_audit_event_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS hub_audit_event_no_delete BEFORE DELETE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
    """,
]
_SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS hub_audit_event_no_update",
    "DROP TRIGGER IF EXISTS hub_audit_event_no_delete",
]


def _statements(vendor: str, install: bool) -> list[str]:
    if vendor == "postgresql":
        return _POSTGRES_INSTALL if install else _POSTGRES_REMOVE
    if vendor == "sqlite":
        return _SQLITE_INSTALL if install else _SQLITE_REMOVE
    raise ImproperlyConfigured(f"No audit guard for database vendor {vendor!r}; add one before using it.")


def install(connection) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection.vendor, install=True):
            cursor.execute(statement)


def lift(connection) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection.vendor, install=False):
            cursor.execute(statement)
