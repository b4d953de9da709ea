"""The file_drop kind: complete files are taken once, whole; half-written ones never."""

import json

import pytest

from connectors import registry
from connectors.models import CreditRecord
from connectors.services.pulls import credit_pull_run
from tests.connectors.factories import AuthorizationFactory, ConnectorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def drop(settings, tmp_path):
    """A platform's drop directory below the configured root (HUB_FILE_DROP_ROOT)."""
    settings.HUB_FILE_DROP_ROOT = tmp_path
    directory = tmp_path / "zhengzhou"
    directory.mkdir()
    return directory


def tax_line(uscc, source_id, period="2026-Q1"):
    return json.dumps(
        {
            "uscc": uscc,
            "source_id": source_id,
            "category": "tax",
            "occurred_on": "2026-03-31",
            "data": {"period": period, "tax_paid": "10.00", "arrears": "0.00", "grade": "A"},
        },
        ensure_ascii=False,
    )


def pull_for(enterprise, bank, officer, directory):
    from connectors.services.pulls import credit_pull_start

    ConnectorFactory(kind="file_drop", base_url=str(directory), key_id="", secret="", categories=["tax"])
    AuthorizationFactory(enterprise=enterprise, bank=bank, scopes=["tax"])
    pull = credit_pull_start(actor=officer, enterprise_uscc=enterprise.code)
    return credit_pull_run(pull_id=pull.pk), pull


def test_complete_files_are_read_and_half_written_ones_are_not(drop, enterprise, bank, bank_officer):
    (drop / "batch-1.jsonl").write_text(tax_line(enterprise.code, "a") + "\n" + tax_line(enterprise.code, "b") + "\n")
    (drop / "batch-2.jsonl.part").write_text(tax_line(enterprise.code, "c") + "\n")

    status, _pull = pull_for(enterprise, bank, bank_officer, drop)

    assert status == "succeeded"
    assert sorted(CreditRecord.objects.values_list("source_id", flat=True)) == ["a", "b"]
    assert (drop / "batch-2.jsonl.part").exists()
    assert not (drop / "batch-1.jsonl").exists()  # taken, once


def test_a_file_is_taken_once_and_its_other_enterprises_records_wait_for_them(drop, enterprise, outsider):
    connector_class = registry.get("file_drop")
    client = connector_class(base_url=str(drop), key_id="", secret="")
    other = outsider.organization.code
    (drop / "mixed.jsonl").write_text("\n".join([tax_line(enterprise.code, "mine"), tax_line(other, "theirs")]) + "\n")
    from django.utils import timezone

    from connectors.base import RecordQuery

    def query(uscc):
        return RecordQuery(
            request_id="r",
            uscc=uscc,
            categories=["tax"],
            authorization_id="1",
            purpose="loan_review",
            expires_at=timezone.now(),
        )

    mine = client.fetch_page(query(enterprise.code), None).records
    theirs = client.fetch_page(query(other), None).records

    assert [record["source_id"] for record in mine] == ["mine"]
    assert [record["source_id"] for record in theirs] == ["theirs"]
    assert len(list((drop / "taken").iterdir())) == 1


def test_unreadable_lines_are_skipped_and_counted(drop, enterprise, bank, bank_officer):
    (drop / "bad.jsonl").write_text(
        tax_line(enterprise.code, "ok")
        + "\n"
        + json.dumps({"uscc": enterprise.code, "category": "tax", "data": "x"})
        + "\n"
    )

    status, pull = pull_for(enterprise, bank, bank_officer, drop)

    source = pull.sources.get()
    assert status == "partial" and source.skipped == 1 and source.records == 1


def test_a_missing_directory_fails_the_source_after_retries(drop, enterprise, bank, bank_officer):
    status, pull = pull_for(enterprise, bank, bank_officer, drop / "not-mounted")

    assert status == "failed" and pull.sources.get().error.startswith("connection")


def test_kinds_come_from_the_registry_and_the_start_up_check_imports_them():
    from connectors.registry import NotRegistered, check_connector_kinds

    assert set(registry.keys()) == {"cdp_http_v1", "file_drop"}
    assert check_connector_kinds() == []
    with pytest.raises(NotRegistered):
        registry.get("carrier_pigeon")
