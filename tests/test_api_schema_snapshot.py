"""The API changes only on purpose: the generated OpenAPI schema equals the reviewed snapshot
in tests/snapshots/openapi.yaml. A restructuring leaves it byte-identical; a change of the API
updates the snapshot in the same commit (`manage.py spectacular --file
tests/snapshots/openapi.yaml` with DATABASE_URL on PostgreSQL), so the diff shows clients what
changed. It is PostgreSQL's schema: integer bounds come from the database's column ranges."""

from pathlib import Path

from django.core.management import call_command
from django.db import connection

from tests.conftest import require_service

SNAPSHOT = Path(__file__).parent / "snapshots" / "openapi.yaml"


def test_the_schema_is_the_reviewed_snapshot(tmp_path):
    require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database")
    generated = tmp_path / "openapi.yaml"

    call_command("spectacular", "--file", str(generated))

    assert generated.read_text(encoding="utf-8") == SNAPSHOT.read_text(encoding="utf-8"), (
        "The OpenAPI schema changed: if on purpose, regenerate tests/snapshots/openapi.yaml"
    )
