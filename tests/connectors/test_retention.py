"""Retention and fair use per purpose (issue 14, items 3 and 4): pulls beyond the caps are
refused naming the cap, the look-back bounds what is asked and stored, and the purge deletes
exactly what is past retention — records other banks and other authorizations hold stay —
ending in a deletion receipt an outside party verifies against the JWKS."""

from __future__ import annotations

import hashlib
import threading
from datetime import date, timedelta
from decimal import Decimal
from importlib import import_module

import jwt
import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from connectors.models import CreditRecord, CreditRecordHold, RecordDeletion, RetentionPolicy
from connectors.record_keys import source_key
from connectors.services import retention
from connectors.services.records import records_store
from connectors.services.retention import DELETION_RECEIPT_TYPE, months_before
from connectors.simulator.data import records_for
from connectors.tasks import purge_past_retention
from hub.models import AuditEvent, Authorization
from hub.receipts import ISSUER
from lending.models import Application
from tests.conftest import require_service
from tests.connectors.factories import AuthorizationFactory, ConnectorFactory
from tests.connectors.pulls.helpers import start_pull
from tests.hub.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def default_policies(db):
    """The policies the migration installs: a transactional test run earlier (in any module)
    flushes the database when it ends, taking migrated data with it."""
    defaults = import_module("connectors.migrations.0007_retention_policies_and_record_holds").DEFAULT_POLICIES
    for purpose, values in defaults.items():
        RetentionPolicy.objects.get_or_create(purpose=purpose, defaults=values)


def tax(source_id: str, period: str = "2026-Q2") -> dict:
    return {
        "category": "tax",
        "source_id": source_id,
        "occurred_on": "2026-06-30",
        "data": {"period": period, "tax_paid": "100.00", "arrears": "0.00", "grade": "A"},
    }


def penalty(source_id: str) -> dict:
    return {
        "category": "penalty",
        "source_id": source_id,
        "occurred_on": "2026-03-01",
        "data": {"decision_no": source_id, "authority": "市监局", "decided_on": "2026-03-01", "severity": "minor"},
    }


def pulled(authorization, connector, *records):
    """What a pull under ``authorization`` stores (records_store in the page's transaction)."""
    with transaction.atomic():
        records_store(
            enterprise_id=authorization.enterprise_id,
            connector=connector,
            records={(record["category"], record["source_id"]): record for record in records},
            authorization_id=authorization.pk,
        )


def stored_source_ids() -> set[str]:
    return set(CreditRecord.objects.values_list("source_id", flat=True))


@pytest.fixture
def other_bank(db):
    return OrganizationFactory(kind="bank", code="OTHERBANK", name="另一家银行", region_code="410100")


@pytest.fixture
def loan_review_policy(db):
    return RetentionPolicy.objects.get(purpose="loan_review")


# --- caps ------------------------------------------------------------------------------------------


def test_the_defaults_cover_every_purpose():
    assert set(RetentionPolicy.objects.values_list("purpose", flat=True)) == set(Authorization.Purpose.values)


def test_a_pull_beyond_the_pulls_a_day_is_refused_naming_the_cap(
    api_client_for,
    bank_officer,
    enterprise,
    bank,
    enterprise_admin,
    running_simulator,
    loan_review_policy,
    django_capture_on_commit_callbacks,
):
    # given a policy of one pull a day for loan reviews, and one pull made
    loan_review_policy.pulls_per_day = 1
    loan_review_policy.save()
    ConnectorFactory(base_url=running_simulator.base_url)
    AuthorizationFactory(enterprise=enterprise, bank=bank, scopes=["tax"], granted_by=enterprise_admin)
    client = api_client_for(bank_officer)
    assert start_pull(client, enterprise, django_capture_on_commit_callbacks, categories=["tax"]).status_code == 202

    # when the bank pulls again the same day
    refused = start_pull(client, enterprise, django_capture_on_commit_callbacks, categories=["tax"])

    # then it is refused with the cap named, and told when it may pull again
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == "pull_cap" and "pull_cap" in error["message"] and "1" in error["message"]
    assert 0 < int(refused["Retry-After"]) <= 24 * 3600


def test_the_pull_cap_counts_per_authorization_and_frees_after_a_day(
    api_client_for,
    bank_officer,
    enterprise,
    bank,
    enterprise_admin,
    running_simulator,
    loan_review_policy,
    django_capture_on_commit_callbacks,
):
    loan_review_policy.pulls_per_day = 1
    loan_review_policy.save()
    ConnectorFactory(base_url=running_simulator.base_url)
    authorization = AuthorizationFactory(enterprise=enterprise, bank=bank, scopes=["tax"], granted_by=enterprise_admin)
    client = api_client_for(bank_officer)
    first = start_pull(client, enterprise, django_capture_on_commit_callbacks, categories=["tax"]).json()

    # a day later the window has moved on
    authorization.credit_pulls.filter(pk=first["id"]).update(created_at=timezone.now() - DAY - timedelta(seconds=5))

    assert start_pull(client, enterprise, django_capture_on_commit_callbacks, categories=["tax"]).status_code == 202


def test_the_lookback_bounds_what_is_asked_for_and_what_is_stored(
    api_client_for,
    bank_officer,
    enterprise,
    bank,
    enterprise_admin,
    running_simulator,
    loan_review_policy,
    django_capture_on_commit_callbacks,
):
    # given 24 months of tax for loan reviews (penalties unbounded)
    loan_review_policy.lookbacks.create(category="tax", months=24)
    ConnectorFactory(base_url=running_simulator.base_url)
    AuthorizationFactory(enterprise=enterprise, bank=bank, scopes=["tax", "penalty"], granted_by=enterprise_admin)
    bound = months_before(timezone.localdate(), 24)

    pull = start_pull(
        api_client_for(bank_officer), enterprise, django_capture_on_commit_callbacks, categories=["tax", "penalty"]
    ).json()

    assert pull["since"] == {"tax": bound.isoformat()}
    kept_tax = {
        r["source_id"] for r in records_for(enterprise.code, "tax", seed="tests") if r["occurred_on"] >= str(bound)
    }
    all_penalties = {r["source_id"] for r in records_for(enterprise.code, "penalty", seed="tests")}
    older_tax = {r["source_id"] for r in records_for(enterprise.code, "tax", seed="tests")} - kept_tax
    assert older_tax, "the simulator's history must reach further back than the bound"
    assert stored_source_ids() == kept_tax | all_penalties


def test_months_before_keeps_the_day_or_takes_the_months_last():
    assert months_before(date(2027, 3, 31), 1) == date(2027, 2, 28)
    assert months_before(date(2027, 1, 15), 24) == date(2025, 1, 15)
    assert months_before(date(2027, 12, 31), 12) == date(2026, 12, 31)


# --- the purge -----------------------------------------------------------------------------------------


@pytest.fixture
def scene(enterprise, bank, other_bank, enterprise_admin):
    """Bank A's revoked authorization (past retention) held r1 and r2; bank B still holds r2;
    bank A's own active authorization holds r3; a revocation of bank A only 10 days old holds r4."""
    now = timezone.now()
    connector = ConnectorFactory()
    past = AuthorizationFactory(enterprise=enterprise, bank=bank, granted_by=enterprise_admin)
    Authorization.objects.filter(pk=past.pk).update(status="revoked", revoked_at=now - 31 * DAY)
    other_banks = AuthorizationFactory(enterprise=enterprise, bank=other_bank, granted_by=enterprise_admin)
    active = AuthorizationFactory(enterprise=enterprise, bank=bank, granted_by=enterprise_admin)
    recent = AuthorizationFactory(enterprise=enterprise, bank=bank, granted_by=enterprise_admin)
    Authorization.objects.filter(pk=recent.pk).update(status="revoked", revoked_at=now - 10 * DAY)
    pulled(past, connector, tax("r1"), penalty("r2"))
    pulled(other_banks, connector, penalty("r2"))
    pulled(active, connector, tax("r3"))
    pulled(recent, connector, tax("r4"))
    return {"past": past, "other_banks": other_banks, "active": active, "recent": recent}


def test_the_purge_deletes_exactly_what_is_past_retention(scene):
    totals = retention.retention_purge()

    assert stored_source_ids() == {"r2", "r3", "r4"}
    assert totals == {"authorizations": 1, "released": 2, "deleted": 1, "receipts": 1}
    assert not CreditRecordHold.objects.filter(authorization=scene["past"]).exists()
    # bank B's hold on the shared record, and the other authorizations' holds, are untouched
    assert CreditRecordHold.objects.filter(authorization=scene["other_banks"]).count() == 1
    assert CreditRecordHold.objects.filter(authorization=scene["active"]).count() == 1
    assert CreditRecordHold.objects.filter(authorization=scene["recent"]).count() == 1


def test_running_the_purge_task_twice_changes_nothing_more(scene):
    first = purge_past_retention.apply().get()
    second = purge_past_retention.apply().get()

    assert first["receipts"] == 1 and second == {"authorizations": 0, "released": 0, "deleted": 0, "receipts": 0}
    assert stored_source_ids() == {"r2", "r3", "r4"}
    assert RecordDeletion.objects.count() == 1


def test_the_deletion_receipt_verifies_against_the_published_jwks(scene, anonymous_client, enterprise, bank):
    retention.retention_purge()
    deletion = RecordDeletion.objects.get()

    # as an outside party: the JWKS over HTTP, PyJWT, nothing of the hub's code
    jwks = anonymous_client.get("/api/v1/hub/keys/").json()
    header = jwt.get_unverified_header(deletion.receipt)
    key = jwt.PyJWK(next(key for key in jwks["keys"] if key["kid"] == header["kid"])).key
    claims = jwt.decode(deletion.receipt, key, algorithms=["EdDSA"], issuer=ISSUER, options={"verify_aud": False})

    assert header["typ"] == DELETION_RECEIPT_TYPE
    assert claims["sub"] == enterprise.code and claims["aud"] == bank.code
    assert claims["authorization"] == scene["past"].pk and claims["purpose"] == "loan_review"
    assert claims["records"] == {
        "released": 2,
        "deleted": 1,
        "held_by_other_authorizations": 1,
        "by_category": {"penalty": 1, "tax": 1},
    }
    assert claims["retention"]["reason"] == "authorization_revoked" and claims["retention"]["keep_days"] == 30
    assert len(claims["records_digest"]["value"]) == 64


def test_the_enterprise_sees_the_purge_and_its_receipt_in_its_access_log(
    scene, api_client_for, enterprise_admin, enterprise, bank
):
    retention.retention_purge()

    rows = api_client_for(enterprise_admin).get(f"/api/v1/enterprises/{enterprise.code}/access-log/").json()
    [purge] = [row for row in rows["results"] if row["action"] == "credit_records.deleted"]

    assert purge["organization"]["code"] == bank.code
    assert purge["authorization"] == scene["past"].pk and purge["categories"] == ["penalty", "tax"]
    assert purge["receipt"] == RecordDeletion.objects.get().receipt
    assert all(row["receipt"] is None for row in rows["results"] if row["action"] != "credit_records.deleted")


def test_the_purge_is_in_the_audit_chain_which_still_verifies(scene, capsys):
    retention.retention_purge()

    event = AuditEvent.objects.get(action="credit_records.deleted")
    assert event.organization_id == scene["past"].enterprise_id and event.data["deleted"] == 1
    call_command("verify_audit")
    assert "OK" in capsys.readouterr().out


def test_a_loan_review_is_purged_the_policys_days_after_its_application_was_decided(
    enterprise, bank, enterprise_admin, loan_review_policy
):
    # given an authorization still in force, granted for an application decided 31 days ago
    now = timezone.now()
    application = Application.objects.create(
        enterprise=enterprise,
        bank=bank,
        amount=Decimal("100000.00"),
        term_months=12,
        purpose="采购",
        status=Application.Status.REJECTED,
        region_code=enterprise.region_code,
        category="general",
        submitted_at=now - 40 * DAY,
        accept_due_at=now - 37 * DAY,
        decided_at=now - 31 * DAY,
    )
    authorization = AuthorizationFactory(
        enterprise=enterprise, bank=bank, application_id=application.pk, granted_by=enterprise_admin
    )
    pulled(authorization, ConnectorFactory(), tax("t1"))

    retention.retention_purge()

    assert stored_source_ids() == set()
    deletion = RecordDeletion.objects.get()
    assert deletion.reason == "application_decided" and deletion.status == "issued"


def test_a_purge_that_died_between_batches_is_continued_and_its_receipt_counts_everything(
    enterprise, bank, enterprise_admin, monkeypatch
):
    authorization = AuthorizationFactory(enterprise=enterprise, bank=bank, granted_by=enterprise_admin)
    Authorization.objects.filter(pk=authorization.pk).update(expires_at=timezone.now() - 40 * DAY, status="expired")
    pulled(authorization, ConnectorFactory(), *(tax(f"t{n}") for n in range(5)))
    issue = retention._issue_receipt

    def die_before_the_receipt(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(retention, "_issue_receipt", die_before_the_receipt)
    with pytest.raises(RuntimeError):
        retention.retention_purge(batch_size=2)
    assert stored_source_ids() == set() and RecordDeletion.objects.get().status == "open"

    monkeypatch.setattr(retention, "_issue_receipt", issue)
    retention.retention_purge(batch_size=2)

    deletion = RecordDeletion.objects.get()
    assert deletion.status == "issued" and deletion.released == {"tax": 5} and deletion.deleted == 5
    assert deletion.reason == "authorization_expired"


# --- pages -------------------------------------------------------------------------------------------


def test_the_operator_sets_a_policy_on_its_page_and_the_change_is_audited(logged_in, operator, loan_review_policy):
    client = logged_in(operator)
    assert client.get("/retention/").status_code == 200

    response = client.post(
        "/retention/",
        {
            "loan_review-purpose": "loan_review",
            "loan_review-pulls_per_day": "1",
            "loan_review-lookback_months": "",
            "loan_review-lookbacks": "tax:24，social_insurance:12",
            "loan_review-keep_days": "30",
        },
    )

    assert response.status_code == 302
    loan_review_policy.refresh_from_db()
    assert loan_review_policy.pulls_per_day == 1 and loan_review_policy.lookback_months is None
    assert {lookback.category: lookback.months for lookback in loan_review_policy.lookbacks.all()} == {
        "tax": 24,
        "social_insurance": 12,
    }
    event = AuditEvent.objects.get(action="retention_policy.changed")
    assert event.actor_user_id == operator.pk
    assert event.data["before"]["pulls_per_day"] == 10 and event.data["after"]["lookbacks"]["tax"] == 24


def test_a_bad_lookback_is_named_on_the_form_and_nothing_changes(logged_in, operator, loan_review_policy):
    response = logged_in(operator).post(
        "/retention/",
        {"loan_review-purpose": "loan_review", "loan_review-lookbacks": "taxes:24", "loan_review-keep_days": "30"},
    )

    assert response.status_code == 400
    assert "taxes:24" in response.content.decode()
    assert not loan_review_policy.lookbacks.exists()
    assert not AuditEvent.objects.filter(action="retention_policy.changed").exists()


def test_only_the_operator_reaches_the_retention_page(logged_in, bank_officer):
    assert logged_in(bank_officer).get("/retention/").status_code == 403


def test_the_access_log_page_shows_the_purge_with_its_receipt(scene, logged_in, enterprise_admin):
    retention.retention_purge()

    page = logged_in(enterprise_admin).get("/access-log/").content.decode()

    assert 'data-action="credit_records.deleted"' in page
    assert RecordDeletion.objects.get().receipt in page


# --- the purge in batches --------------------------------------------------------------------------------


def expired_long_ago(authorization):
    Authorization.objects.filter(pk=authorization.pk).update(expires_at=timezone.now() - 40 * DAY, status="expired")
    return authorization


def chained(*source_ids: str, category: str = "tax") -> str:
    """The receipt's digest over these stored records, in ascending id (call before the purge)."""
    keys = {source_key(category, source_id) for source_id in source_ids}
    digest = b""
    for key in CreditRecord.objects.filter(source_key__in=keys).order_by("pk").values_list("source_key", flat=True):
        digest = hashlib.sha256(digest + key.encode()).digest()
    return digest.hex()


def test_a_batch_purges_many_authorizations_in_a_few_statements(bank, enterprise_admin):
    # given 30 enterprises each with an authorization past retention holding 4 records
    connector = ConnectorFactory()
    for index in range(30):
        enterprise = OrganizationFactory(kind="enterprise", name=f"企业{index}")
        authorization = expired_long_ago(
            AuthorizationFactory(enterprise=enterprise, bank=bank, granted_by=enterprise_admin)
        )
        pulled(authorization, connector, *(tax(f"e{index}-t{n}") for n in range(4)))

    with CaptureQueriesContext(connection) as queries:
        totals = retention.retention_purge()

    # then 120 records go in one batch and the 30 receipts in the next, a few statements
    # each: not a dozen statements and three transactions an authorization
    assert totals == {"authorizations": 30, "released": 120, "deleted": 120, "receipts": 30}
    assert stored_source_ids() == set()
    assert len(queries) <= 30
    assert RecordDeletion.objects.filter(status="issued").count() == 30
    assert AuditEvent.objects.filter(action="credit_records.deleted").count() == 30
    call_command("verify_audit")


def test_a_record_two_purged_authorizations_held_is_deleted_by_the_later_one(
    enterprise, bank, other_bank, enterprise_admin
):
    # given two authorizations past retention, of two banks, both holding s1, and t1 and t2 of their own
    connector = ConnectorFactory()
    first = expired_long_ago(AuthorizationFactory(enterprise=enterprise, bank=bank, granted_by=enterprise_admin))
    second = expired_long_ago(AuthorizationFactory(enterprise=enterprise, bank=other_bank, granted_by=enterprise_admin))
    pulled(first, connector, tax("s1"), tax("t1"))
    pulled(second, connector, tax("s1"), tax("t2"))
    digests = {first.pk: chained("s1", "t1"), second.pk: chained("s1", "t2")}

    totals = retention.retention_purge()  # one batch for both

    assert totals == {"authorizations": 2, "released": 4, "deleted": 3, "receipts": 2}
    assert stored_source_ids() == set()
    receipts = {
        deletion.authorization_id: jwt.decode(deletion.receipt, options={"verify_signature": False})
        for deletion in RecordDeletion.objects.all()
    }
    # the first released s1 while the second still held it; the second deleted it
    assert receipts[first.pk]["records"] == {
        "released": 2,
        "deleted": 1,
        "held_by_other_authorizations": 1,
        "by_category": {"tax": 2},
    }
    assert receipts[second.pk]["records"]["deleted"] == 2
    assert {pk: receipt["records_digest"]["value"] for pk, receipt in receipts.items()} == digests


def test_an_authorization_larger_than_a_batch_spans_batches_among_smaller_ones(enterprise, bank, enterprise_admin):
    connector = ConnectorFactory()
    small = expired_long_ago(AuthorizationFactory(enterprise=enterprise, bank=bank, granted_by=enterprise_admin))
    large = expired_long_ago(AuthorizationFactory(enterprise=enterprise, bank=bank, granted_by=enterprise_admin))
    last = expired_long_ago(AuthorizationFactory(enterprise=enterprise, bank=bank, granted_by=enterprise_admin))
    pulled(small, connector, tax("a1"))
    pulled(large, connector, *(tax(f"b{n}") for n in range(7)))
    pulled(last, connector, tax("c1"), tax("c2"))
    digests = {large.pk: chained(*(f"b{n}" for n in range(7))), last.pk: chained("c1", "c2")}

    totals = retention.retention_purge(batch_size=3)

    assert totals == {"authorizations": 3, "released": 10, "deleted": 10, "receipts": 3}
    deletions = {deletion.authorization_id: deletion for deletion in RecordDeletion.objects.all()}
    assert deletions[large.pk].released == {"tax": 7} and deletions[large.pk].deleted == 7
    assert {pk: deletions[pk].records_digest for pk in digests} == digests
    assert all(deletion.status == "issued" for deletion in deletions.values())


def test_a_record_whose_category_index_is_unknown_is_counted_by_its_decrypted_category(
    enterprise, bank, enterprise_admin
):
    authorization = expired_long_ago(
        AuthorizationFactory(enterprise=enterprise, bank=bank, granted_by=enterprise_admin)
    )
    pulled(authorization, ConnectorFactory(), tax("t1"), penalty("p1"))
    CreditRecord.objects.filter(source_key=source_key("penalty", "p1")).update(category_key="0" * 64)

    retention.retention_purge()

    assert RecordDeletion.objects.get().released == {"tax": 1, "penalty": 1}


@pytest.mark.django_db(transaction=True)
def test_a_row_a_pull_is_writing_is_skipped_and_its_purge_finished_by_the_next_run(bank, enterprise_admin):
    require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database")
    connector = ConnectorFactory()
    busy, calm = (
        expired_long_ago(
            AuthorizationFactory(
                enterprise=OrganizationFactory(kind="enterprise", name=name), bank=bank, granted_by=enterprise_admin
            )
        )
        for name in ("忙企业", "闲企业")
    )
    pulled(busy, connector, tax("busy-1"), tax("busy-2"))
    pulled(calm, connector, tax("calm-1"))
    locked, wait = threading.Event(), threading.Event()

    def pull_writing_busy_1():
        # a pull's page locks the rows it writes, as records_store does
        try:
            with transaction.atomic():
                list(
                    CreditRecord.objects.filter(source_key=source_key("tax", "busy-1"))
                    .select_for_update(no_key=True)
                    .values_list("pk")
                )
                locked.set()
                wait.wait(30)
        finally:
            connections.close_all()

    writer = threading.Thread(target=pull_writing_busy_1)
    writer.start()
    assert locked.wait(30)
    try:
        first = retention.retention_purge()
    finally:
        wait.set()
        writer.join()

    # the row being written is neither waited for nor deleted, and its purge stays open
    assert first == {"authorizations": 2, "released": 2, "deleted": 2, "receipts": 1}
    assert stored_source_ids() == {"busy-1"}
    assert RecordDeletion.objects.get(authorization=busy).status == "open"

    second = retention.retention_purge()

    assert second == {"authorizations": 1, "released": 1, "deleted": 1, "receipts": 1}
    deletion = RecordDeletion.objects.get(authorization=busy)
    assert deletion.status == "issued" and deletion.released == {"tax": 2} and deletion.deleted == 2
    assert stored_source_ids() == set()
