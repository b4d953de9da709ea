"""Rows of one table changed to values of their own by one statement (hub.bulk.rows_update):
the purge's batches and the audit chains' heads."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from connectors.models import RecordDeletion
from hub.bulk import rows_update
from hub.models import AuditChainHead
from tests.connectors.factories import AuthorizationFactory

pytestmark = pytest.mark.django_db


def test_each_row_gets_its_own_values_of_every_type_in_one_statement(enterprise, bank, enterprise_admin):
    deletions = [
        RecordDeletion.objects.create(
            authorization=AuthorizationFactory(enterprise=enterprise, bank=bank, granted_by=enterprise_admin),
            enterprise=enterprise,
            bank=bank,
            reason="authorization_revoked",
            retention_started_at=datetime(2026, 1, 1, tzinfo=UTC),
            keep_days=30,
        )
        for _ in range(3)
    ]
    deletions[0].released, deletions[0].deleted = {"tax": 2, "penalty": 1}, 3
    deletions[1].status, deletions[1].issued_at, deletions[1].receipt = (
        "issued",
        datetime(2026, 2, 1, 8, tzinfo=UTC),
        "a.b.c",
    )
    deletions[2].records_digest = "f" * 64

    with CaptureQueriesContext(connection) as queries:
        rows_update(
            deletions[:2] + deletions[2:], ["released", "deleted", "status", "issued_at", "receipt", "records_digest"]
        )

    assert len(queries) == 1
    stored = {deletion.pk: deletion for deletion in RecordDeletion.objects.all()}
    assert stored[deletions[0].pk].released == {"tax": 2, "penalty": 1} and stored[deletions[0].pk].deleted == 3
    assert stored[deletions[1].pk].issued_at == datetime(2026, 2, 1, 8, tzinfo=UTC)
    assert (stored[deletions[1].pk].status, stored[deletions[1].pk].receipt) == ("issued", "a.b.c")
    assert stored[deletions[2].pk].records_digest == "f" * 64 and stored[deletions[2].pk].issued_at is None
    assert stored[deletions[2].pk].released == {}


def test_many_rows_take_a_bounded_statement_each_few_hundred():
    heads = AuditChainHead.objects.bulk_create([AuditChainHead(chain=f"org:{n}") for n in range(700)])
    for n, head in enumerate(heads):
        head.sequence, head.last_hash = n, f"{n:064x}"

    with CaptureQueriesContext(connection) as queries:
        rows_update(heads, ["sequence", "last_hash"])

    assert len(queries) <= 3
    assert dict(AuditChainHead.objects.values_list("chain", "sequence"))["org:699"] == 699
    assert AuditChainHead.objects.get(chain="org:7").last_hash == f"{7:064x}"
