"""The audit log is append-only and hash-chained; verify_audit finds the first broken link."""

import hashlib
import json
import threading
from datetime import UTC

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from hub import audit, audit_guard
from hub.audit import HUB_CHAIN, chain_for
from hub.models import AuditChainHead, AuditEvent
from tests.conftest import require_service
from tests.hub.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def add_members(organization, count):
    admin = UserFactory(organization=organization, role="admin")
    for _ in range(count):
        with transaction.atomic():
            audit.member_added(member=UserFactory(organization=organization), actor=admin)


def test_each_event_links_to_the_previous_one(enterprise):
    add_members(enterprise, 3)

    events = list(AuditEvent.objects.filter(chain=chain_for(enterprise.pk)).order_by("sequence"))
    assert [event.sequence for event in events] == [1, 2, 3]
    assert events[0].prev_hash == "0" * 64
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(events, events[1:], strict=False))
    head = AuditChainHead.objects.get(chain=chain_for(enterprise.pk))
    assert (head.sequence, head.last_hash) == (3, events[-1].hash)


def test_a_database_without_insert_returning_appends_the_same_chain(enterprise, monkeypatch):
    admin = UserFactory(organization=enterprise, role="admin")
    members = [UserFactory(organization=enterprise) for _ in range(2)]
    monkeypatch.setattr(connection.features, "can_return_columns_from_insert", False)  # as SQLite < 3.35

    for member in members:
        with transaction.atomic():
            audit.member_added(member=member, actor=admin)

    events = list(AuditEvent.objects.filter(chain=chain_for(enterprise.pk)).order_by("sequence"))
    assert [event.sequence for event in events] == [1, 2] and events[1].prev_hash == events[0].hash
    assert audit.verify_chains()[1] is None


@pytest.mark.parametrize("returning", [True, False])
def test_events_appended_together_chain_as_if_appended_one_by_one(enterprise, bank, monkeypatch, returning):
    add_members(enterprise, 1)  # the enterprise's chain already has an event
    monkeypatch.setattr(connection.features, "can_return_columns_from_insert", returning)
    new_events = [
        audit.NewEvent(action="test.event", actor=None, organization_id=organization.pk, object_id=index)
        for index in range(600)  # more than one statement's worth on every database
        for organization in (enterprise, bank)
    ]

    with transaction.atomic():
        events = audit.append_events(new_events)

    assert [event.object_id for event in events] == [str(new.object_id) for new in new_events]
    stored = dict(AuditEvent.objects.values_list("pk", "sequence"))
    assert all(stored[event.pk] == event.sequence for event in events)
    ours = [event for event in events if event.organization_id == enterprise.pk]
    assert [event.sequence for event in ours] == list(range(2, 602))
    assert audit.verify_chains()[1] is None


@pytest.mark.parametrize("returning", [True, False])
def test_events_of_many_chains_are_stored_in_a_few_statements(monkeypatch, returning):
    # given 120 organizations, some with events already, a batch naming each of them (the
    # retention purge's receipts for a batch of authorizations, one chain per enterprise)
    organizations = [OrganizationFactory() for _ in range(120)]
    add_members(organizations[0], 2)
    monkeypatch.setattr(connection.features, "can_return_columns_from_insert", returning)
    new_events = [
        audit.NewEvent(action="test.event", actor=None, organization_id=organization.pk, object_id=index)
        for index in range(2)
        for organization in organizations
    ]

    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        events = audit.append_events(new_events)

    # then the heads are locked, the events stored and the heads moved a few statements at a
    # time (SQLite's 999 parameters make it more), not three statements a chain; every chain
    # links on as if appended one by one
    assert len(queries) <= (8 if connection.vendor == "postgresql" else 16)
    assert [event.object_id for event in events] == [str(new.object_id) for new in new_events]
    first = [event for event in events if event.organization_id == organizations[0].pk]
    assert [event.sequence for event in first] == [3, 4]
    heads = dict(AuditChainHead.objects.values_list("chain", "sequence"))
    assert all(
        heads[chain_for(organization.pk)] == (4 if organization is organizations[0] else 2)
        for organization in organizations
    )
    assert audit.verify_chains()[1] is None


def test_organizations_have_separate_chains(enterprise, bank):
    add_members(enterprise, 2)
    add_members(bank, 1)

    assert AuditEvent.objects.filter(chain=chain_for(bank.pk)).get().sequence == 1


@pytest.mark.django_db(transaction=True)
def test_events_are_written_only_inside_a_transaction(enterprise_admin):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit.member_added(member=enterprise_admin, actor=enterprise_admin)


def test_an_event_rolls_back_with_its_change(enterprise, enterprise_admin):
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        audit.member_added(member=enterprise_admin, actor=enterprise_admin)
        raise ZeroDivisionError

    assert not AuditEvent.objects.exists()
    call_command("verify_audit")


def test_verify_audit_prints_ok_for_an_intact_log(enterprise, capsys):
    add_members(enterprise, 3)

    call_command("verify_audit")

    assert capsys.readouterr().out.startswith("OK: 3 events verified")


def test_the_database_refuses_to_update_or_delete_events(enterprise):
    add_members(enterprise, 1)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.update(action="tampered")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().delete()


def test_verify_audit_names_an_event_altered_behind_the_guard(enterprise):
    add_members(enterprise, 3)
    second = AuditEvent.objects.get(chain=chain_for(enterprise.pk), sequence=2)

    # Someone with database rights lifts the guard and edits history with raw SQL.
    audit_guard.lift(connection)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE hub_auditevent SET actor_username = %s WHERE id = %s", ["someone-else", second.pk])
    audit_guard.install(connection)

    with pytest.raises(CommandError) as failure:
        call_command("verify_audit")
    assert f"chain org:{enterprise.pk}, sequence 2 (event id {second.pk}): content does not match its hash" in str(
        failure.value
    )


def test_verify_audit_notices_a_removed_event(enterprise):
    add_members(enterprise, 3)
    audit_guard.lift(connection)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM hub_auditevent WHERE chain = %s AND sequence = 2", [chain_for(enterprise.pk)])
    audit_guard.install(connection)

    with pytest.raises(CommandError, match="sequence 2 .*event missing"):
        call_command("verify_audit")


def test_verify_audit_notices_events_cut_from_the_end(enterprise):
    add_members(enterprise, 3)
    audit_guard.lift(connection)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM hub_auditevent WHERE chain = %s AND sequence = 3", [chain_for(enterprise.pk)])
    audit_guard.install(connection)

    with pytest.raises(CommandError, match="missing at the end"):
        call_command("verify_audit")


def test_operator_actions_without_a_subject_go_to_the_hub_chain():
    with transaction.atomic():
        audit.encryption_keys_rotated(model_label="hub.Organization", field="contact_phone", rows=3, active_kid="k2")

    assert AuditEvent.objects.get().chain == HUB_CHAIN


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_do_not_fork_a_chain():
    require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database")
    organization = OrganizationFactory(kind="bank", code="RACE")
    admin = UserFactory(organization=organization, role="admin")
    members = [UserFactory(organization=organization) for _ in range(8)]
    barrier = threading.Barrier(len(members))
    errors = []

    def append(member):
        try:
            barrier.wait()
            with transaction.atomic():
                audit.member_added(member=member, actor=admin)
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append, args=(member,)) for member in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    sequences = sorted(AuditEvent.objects.filter(chain=chain_for(organization.pk)).values_list("sequence", flat=True))
    assert sequences == list(range(1, 9))
    call_command("verify_audit")


# --- the chain is keyed: recomputed hashes do not pass ------------------------------------------


def plain_sha256(event: AuditEvent) -> str:
    """What the attacker of issue 12 recomputed: SHA-256 over the event's canonical JSON."""
    canonical = {
        "chain": event.chain,
        "sequence": event.sequence,
        "at": event.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "action": event.action,
        "actor_user_id": event.actor_user_id,
        "actor_username": event.actor_username,
        "actor_organization_id": event.actor_organization_id,
        "organization_id": event.organization_id,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "data": event.data,
        "prev_hash": event.prev_hash,
    }
    encoded = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def rewrite_behind_the_disabled_trigger(chain: str, *, from_sequence: int, change, rehash) -> None:
    """As a PostgreSQL superuser: disable the append-only trigger, change one event, recompute
    the hash of it and of every later event and move the chain head, then enable the trigger."""
    events = list(AuditEvent.objects.filter(chain=chain, sequence__gte=from_sequence).order_by("sequence"))
    previous_hash = AuditEvent.objects.get(chain=chain, sequence=from_sequence - 1).hash
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE hub_auditevent DISABLE TRIGGER hub_audit_event_append_only")
        for event in events:
            if event.sequence == from_sequence:
                change(event)
            event.prev_hash = previous_hash
            event.hash = rehash(event)
            assignments = {
                field.column: field.get_db_prep_save(getattr(event, field.attname), connection)
                for field in AuditEvent._meta.concrete_fields
                if not field.primary_key
            }
            cursor.execute(
                "UPDATE hub_auditevent SET " + ", ".join(f"{column} = %s" for column in assignments) + " WHERE id = %s",
                [*assignments.values(), event.pk],
            )
            previous_hash = event.hash
        cursor.execute("UPDATE hub_auditchainhead SET last_hash = %s WHERE chain = %s", [previous_hash, chain])
        cursor.execute("ALTER TABLE hub_auditevent ENABLE TRIGGER hub_audit_event_append_only")


def require_postgresql():
    require_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database")


def test_history_rewritten_with_recomputed_sha256_hashes_is_named(enterprise):
    require_postgresql()
    add_members(enterprise, 5)
    chain = chain_for(enterprise.pk)
    second = AuditEvent.objects.get(chain=chain, sequence=2)

    def change(event):
        event.data = {**event.data, "role": "admin"}

    rewrite_behind_the_disabled_trigger(chain, from_sequence=2, change=change, rehash=plain_sha256)

    with pytest.raises(CommandError) as failure:
        call_command("verify_audit")
    assert f"chain {chain}, sequence 2 (event id {second.pk}): content does not match its hash" in str(failure.value)


def test_history_rewritten_as_unkeyed_events_is_named(enterprise):
    require_postgresql()
    add_members(enterprise, 3)
    chain = chain_for(enterprise.pk)

    def downgrade(event):
        event.data = {**event.data, "role": "admin"}
        event.hash_scheme, event.key_id = audit.LEGACY_SCHEME, ""

    rewrite_behind_the_disabled_trigger(chain, from_sequence=2, change=downgrade, rehash=audit.event_hash)

    with pytest.raises(CommandError, match=f"chain {chain}, sequence 2 .*plain SHA-256"):
        call_command("verify_audit")


def test_events_are_hashed_with_hmac_under_the_first_audit_key(enterprise, settings):
    settings.HUB_AUDIT_KEYS = [("a2", b"2" * 32), ("a1", b"1" * 32)]
    add_members(enterprise, 1)

    event = AuditEvent.objects.get()
    assert (event.hash_scheme, event.key_id) == ("hmac-sha256", "a2")
    assert event.hash != plain_sha256(event)
    settings.HUB_AUDIT_KEYS = [("a2", b"x" * 32)]  # the same key id, another key
    assert audit.event_hash(event) != event.hash


def test_the_hub_on_sm4_keys_its_chain_with_hmac_sm3(enterprise, settings):
    settings.HUB_CIPHER = "sm4-gcm"
    add_members(enterprise, 2)
    settings.HUB_CIPHER = "aes-256-gcm"
    add_members(enterprise, 1)

    schemes = list(AuditEvent.objects.order_by("sequence").values_list("hash_scheme", flat=True))
    assert schemes == ["hmac-sm3", "hmac-sm3", "hmac-sha256"]
    call_command("verify_audit")


def test_audit_keys_rotate_and_every_configured_key_verifies(enterprise, settings):
    old, new = ("a1", b"1" * 32), ("a2", b"2" * 32)
    settings.HUB_AUDIT_KEYS = [old]
    add_members(enterprise, 2)
    settings.HUB_AUDIT_KEYS = [new, old]  # the new key first: it hashes, both verify
    add_members(enterprise, 1)

    assert list(AuditEvent.objects.order_by("sequence").values_list("key_id", flat=True)) == ["a1", "a1", "a2"]
    call_command("verify_audit")
    settings.HUB_AUDIT_KEYS = [new]
    first = AuditEvent.objects.get(sequence=1)
    with pytest.raises(CommandError) as failure:
        call_command("verify_audit")
    assert f"sequence 1 (event id {first.pk}): hashed with audit key 'a1', which is not in HUB_AUDIT_KEYS" in str(
        failure.value
    )
