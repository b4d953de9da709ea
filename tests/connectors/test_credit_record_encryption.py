"""Credit records hide what they are (issue 12): the source id (which often holds the USCC)
and the category are encrypted, found by blind indexes; rows stored before are converted by
the migration, in batches."""

from datetime import UTC, datetime
from importlib import import_module

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from connectors.models import CreditRecord
from connectors.record_keys import category_key, source_key
from connectors.selectors.profiles import profile_records
from connectors.services.records import records_store
from tests.connectors.factories import ConnectorFactory
from tests.hub.factories import OrganizationFactory

BEFORE = [("connectors", "0005_pull_status_revoked")]
AFTER = [("connectors", "0006_credit_record_source_encrypted")]


def dishonest_record(uscc, number=1):
    return {
        "category": "dishonest",
        "source_id": f"dishonest-{uscc}-{number}",
        "occurred_on": "2026-05-01",
        "data": {"case_no": f"(2026)豫01执{number}号", "court": "郑州市中级人民法院", "listed_on": "2026-05-01"},
    }


def store(enterprise, connector, *records):
    with transaction.atomic():
        return records_store(
            enterprise_id=enterprise.pk,
            connector=connector,
            records={(r["category"], r["source_id"]): r for r in records},
            authorization_id=None,
        )


def credit_record_rows() -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {CreditRecord._meta.db_table}")
        return "\n".join(repr(row) for row in cursor.fetchall())


@pytest.mark.django_db
def test_a_stored_record_shows_neither_its_source_id_nor_its_category(enterprise):
    connector = ConnectorFactory()
    store(enterprise, connector, dishonest_record(enterprise.code))

    rows = credit_record_rows()

    assert enterprise.code not in rows and "dishonest" not in rows
    stored = CreditRecord.objects.get()
    assert (stored.category, stored.source_id) == ("dishonest", f"dishonest-{enterprise.code}-1")


@pytest.mark.django_db
def test_the_category_index_differs_from_one_enterprise_to_the_next(enterprise, outsider):
    connector = ConnectorFactory(region_codes=["410000"])
    other = outsider.organization
    store(enterprise, connector, dishonest_record(enterprise.code))
    store(other, connector, dishonest_record(other.code))

    keys = set(CreditRecord.objects.values_list("category_key", flat=True))

    assert len(keys) == 2  # counting equal values across the table finds no category


@pytest.mark.django_db
def test_a_record_served_twice_is_stored_once_and_found_by_category(enterprise):
    connector = ConnectorFactory()
    first = store(enterprise, connector, dishonest_record(enterprise.code))
    again = store(enterprise, connector, dishonest_record(enterprise.code))

    assert (first, again) == (1, 0)
    assert CreditRecord.objects.count() == 1
    grouped = profile_records(enterprise_id=enterprise.pk, categories=["dishonest", "tax"])
    assert [record.source_id for record in grouped["dishonest"]] == [f"dishonest-{enterprise.code}-1"]
    assert "tax" not in grouped


@pytest.mark.django_db
def test_the_profile_orders_records_newest_first_then_by_source_id(enterprise):
    connector = ConnectorFactory()
    records = [dishonest_record(enterprise.code, number) for number in (3, 1, 2)]
    records[0]["occurred_on"] = "2026-06-01"
    records[2]["occurred_on"] = None
    records[2]["data"].pop("listed_on")
    store(enterprise, connector, *records)

    grouped = profile_records(enterprise_id=enterprise.pk, categories=["dishonest"])

    assert [record.source_id.rsplit("-", 1)[1] for record in grouped["dishonest"]] == ["3", "1", "2"]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.fixture
def schema_back_at_the_latest_migrations():
    """A test that migrates back leaves the database as every later test expects it: with
    every migration applied, the ones after the migration under test included."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    _migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_migration_converts_rows_stored_in_the_clear(schema_back_at_the_latest_migrations):
    # given records stored before, in the clear, the way the earlier code wrote them
    enterprise = OrganizationFactory(kind="enterprise", region_code="410105")
    connector = ConnectorFactory()
    _migrate(BEFORE)
    now = datetime.now(UTC)
    with connection.cursor() as cursor:
        for number in range(3):
            cursor.execute(
                f"INSERT INTO {CreditRecord._meta.db_table} (enterprise_id, connector_id, category, source_id, "
                "occurred_on, data, fingerprint, fetched_at, repair_notice_due_on, repair_notice_sent) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, NULL, %s)",
                [
                    enterprise.pk,
                    connector.pk,
                    "dishonest" if number else "penalty",
                    f"old-{enterprise.code}-{number}",
                    "2026-05-01",
                    CreditRecord._meta.get_field("data").encrypt('{"case_no": "x"}'),
                    "0" * 64,
                    now,
                    False,
                ],
            )

    # when the migration runs (in batches of 2 here)
    migration_module = import_module("connectors.migrations.0006_credit_record_source_encrypted")
    batch, migration_module.BATCH = migration_module.BATCH, 2
    try:
        _migrate(AFTER)
    finally:
        migration_module.BATCH = batch

    # then nothing is left in the clear, and the records read, index and dedupe as new ones do
    rows = credit_record_rows()
    assert enterprise.code not in rows and "dishonest" not in rows and "penalty" not in rows
    assert sorted(CreditRecord.objects.values_list("source_id", flat=True)) == [
        f"old-{enterprise.code}-{number}" for number in range(3)
    ]
    assert CreditRecord.objects.filter(category_key=category_key(enterprise.pk, "dishonest")).count() == 2
    grouped = profile_records(enterprise_id=enterprise.pk, categories=["penalty"])
    assert [record.source_id for record in grouped["penalty"]] == [f"old-{enterprise.code}-0"]
    served_again = {
        "category": "dishonest",
        "source_id": f"old-{enterprise.code}-1",
        "occurred_on": "2026-05-01",
        "data": {"case_no": "x"},
    }
    store(enterprise, connector, served_again)
    assert CreditRecord.objects.filter(source_key=source_key("dishonest", f"old-{enterprise.code}-1")).count() == 1
    assert CreditRecord.objects.count() == 3
