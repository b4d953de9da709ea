"""The uplink against the national node simulator over loopback, the sender run in-process
(tests/integration runs it on a real worker): batches in order, acknowledgements, parking,
pause and resume, an outage, nothing sent twice."""

from datetime import timedelta

import pytest
from django.utils import timezone

from connectors.models import NationalLink, UplinkBatch, UplinkFact
from connectors.national.facts import FACT_TYPES, fact_record
from connectors.national.uplink import (
    national_link_pause,
    national_link_resume,
    uplink_drain,
    uplink_fact_requeue,
)
from hub.errors import Conflict, Forbidden
from hub.models import AuditEvent
from tests.connectors.national.conftest import link_settings
from tests.connectors.national.flows import every_fact_type

pytestmark = pytest.mark.django_db


@pytest.fixture
def national_node(national_nodes):
    """A node that takes facts of any data: most tests here send made-up facts."""
    return national_nodes(validate=False)


def record(count: int, fact_type: str = "enterprise_registration") -> list[UplinkFact]:
    return [
        fact_record(fact_type, {"n": n}, occurred_at=timezone.now(), key=f"test:{fact_type}:{n}") for n in range(count)
    ]


def drain_until_quiet(rounds: int = 30) -> None:
    for _ in range(rounds):
        NationalLink.objects.filter(pk=1).update(retry_at=None)  # the test is the schedule
        uplink_drain()
        if (
            not UplinkFact.objects.filter(batch__isnull=True, parked=False).exists()
            and not UplinkBatch.objects.filter(status__in=UplinkBatch.OPEN).exists()
        ):
            return


def test_every_fact_type_is_sent_and_acknowledged(national_nodes, operator, bank, bank_officer, settings):
    national_link = national_nodes()  # checks every fact against its schema
    link_settings(settings, national_link)
    settings.HUB_NATIONAL_WHITELIST_ENTRIES = True
    settings.HUB_NATIONAL_BATCH_SIZE = 7
    every_fact_type(operator=operator, bank=bank, bank_officer=bank_officer)

    drain_until_quiet()

    facts = list(UplinkFact.objects.order_by("id"))
    received = national_link.server.received()
    assert {fact.fact_type for fact in facts} == set(FACT_TYPES)
    assert {fact.idempotency_key for fact in facts} == set(received)
    assert all(item.accepted and item.times == 1 for item in received.values())
    assert not UplinkFact.objects.filter(parked=True).exists()
    assert set(UplinkBatch.objects.values_list("status", flat=True)) == {"acknowledged"}
    # In sequence order, batch after batch.
    sent = [fact["sequence"] for fact in national_link.server.facts()]
    assert sent == sorted(sent) == [fact.pk for fact in facts]


def test_rejected_facts_are_parked_with_their_reason_while_the_rest_flow(national_nodes, settings):
    node = national_nodes(reject_types=frozenset({"monthly_statistics"}), validate=False)
    link_settings(settings, node)
    settings.HUB_NATIONAL_BATCH_SIZE = 4
    record(5)
    rejected = record(2, "monthly_statistics")
    record(5, "loan_application")

    drain_until_quiet()

    parked = UplinkFact.objects.filter(parked=True)
    assert sorted(parked.values_list("pk", flat=True)) == sorted(fact.pk for fact in rejected)
    assert set(parked.values_list("reason_code", flat=True)) == {"refused"}
    assert all("monthly_statistics" in fact.reason for fact in parked)
    accepted = [key for key, item in node.server.received().items() if item.accepted]
    assert len(accepted) == 10
    assert not UplinkFact.objects.filter(batch__isnull=True, parked=False).exists()


def test_the_operator_sends_a_parked_fact_again_once_the_national_side_takes_it(national_nodes, settings, operator):
    node = national_nodes(reject_types=frozenset({"monthly_statistics"}), validate=False)
    link_settings(settings, node)
    (fact,) = record(1, "monthly_statistics")
    drain_until_quiet()
    assert UplinkFact.objects.get(pk=fact.pk).parked

    node.config.reject_types = frozenset()
    uplink_fact_requeue(actor=operator, fact_id=fact.pk)
    drain_until_quiet()

    fact.refresh_from_db()
    assert not fact.parked and fact.batch.status == "acknowledged"
    assert node.server.received()[fact.idempotency_key].accepted
    assert AuditEvent.objects.filter(action="uplink_fact.requeued", object_id=str(fact.pk)).exists()
    with pytest.raises(Conflict):
        uplink_fact_requeue(actor=operator, fact_id=fact.pk)


def test_an_outage_then_recovery_loses_nothing_and_sends_nothing_twice(national_link, settings):
    settings.HUB_NATIONAL_BATCH_SIZE = 10
    facts = record(35)
    national_link.config.unavailable = True

    uplink_drain()
    link = NationalLink.get()
    assert link.failures == 1 and link.retry_at > timezone.now() and "503" in link.last_error
    # Backing off: the next turn of the schedule sends nothing before retry_at.
    assert uplink_drain() == 0
    assert not national_link.server.received()
    # The batch sent failed; the one formed ahead of it while it was out is withdrawn, unsent.
    sent, ahead = UplinkBatch.objects.filter(status="failed").order_by("id")
    assert "503" in sent.error and "formed behind" in ahead.error
    assert not UplinkFact.objects.filter(batch__isnull=False).exists()

    national_link.config.unavailable = False
    drain_until_quiet()

    received = national_link.server.received()
    assert set(received) == {fact.idempotency_key for fact in facts}
    assert all(item.times == 1 for item in received.values())
    assert NationalLink.get().failures == 0
    sequences = [fact["sequence"] for fact in national_link.server.facts()]
    assert sequences == sorted(sequences)  # in order, the outage notwithstanding


def test_an_acknowledgement_lost_on_the_way_sends_the_batch_again_and_the_national_side_stores_it_once(
    national_link, settings
):
    settings.HUB_NATIONAL_BATCH_SIZE = 50
    facts = record(20)
    national_link.config.latency_ms = 3500  # longer than the hub's timeout: the answer is lost

    uplink_drain()
    assert NationalLink.get().failures == 1
    national_link.config.latency_ms = 0
    drain_until_quiet()

    received = national_link.server.received()
    assert set(received) == {fact.idempotency_key for fact in facts}
    assert {item.times for item in received.values()} == {2}  # sent twice, stored once
    assert len(national_link.server.facts()) == 20


def test_a_paused_link_sends_nothing_until_resumed(national_link, operator, bank_officer):
    record(3)
    national_link_pause(actor=operator)

    uplink_drain()
    assert not national_link.server.received()
    with pytest.raises(Conflict):
        national_link_pause(actor=operator)
    with pytest.raises(Forbidden):
        national_link_resume(actor=bank_officer)

    national_link_resume(actor=operator)  # queues the sender, run in-process on commit
    drain_until_quiet()
    assert len(national_link.server.received()) == 3
    assert list(AuditEvent.objects.filter(action__startswith="national_link.").values_list("action", flat=True)) == [
        "national_link.paused",
        "national_link.resumed",
    ]


def test_facts_the_acknowledgement_does_not_name_go_back_to_the_queue(national_link, settings, monkeypatch):
    from connectors.national import simulator

    settings.HUB_NATIONAL_BATCH_SIZE = 10
    facts = record(4)
    original = simulator.NationalRequestHandler._batch

    def forgetful(self, body, query):
        status, payload = original(self, body, query)
        payload["accepted"] = payload["accepted"][:2]
        return status, payload

    monkeypatch.setattr(simulator.NationalRequestHandler, "_batch", forgetful)
    drain_until_quiet()

    first, second = UplinkBatch.objects.order_by("id")
    assert (first.size, first.accepted, second.size, second.accepted) == (4, 2, 2, 2)
    assert [fact.batch_id for fact in UplinkFact.objects.order_by("id")] == [first.pk] * 2 + [second.pk] * 2
    assert set(national_link.server.received()) == {fact.idempotency_key for fact in facts}


def test_a_wrong_secret_fails_the_batch_and_keeps_the_facts(national_link, settings):
    settings.HUB_NATIONAL_SECRET = "not-the-national-secret"
    record(2)
    uplink_drain()
    link = NationalLink.get()
    assert "bad_signature" in link.last_error
    assert UplinkFact.objects.filter(batch__isnull=True, parked=False).count() == 2
    assert link.retry_at - timezone.now() <= timedelta(seconds=1)


def test_a_batch_written_by_the_database_says_what_the_protocol_module_writes(
    national_link, operator, bank, bank_officer
):
    import json

    from connectors.national import protocol, uplink

    NationalLink.get()
    NationalLink.objects.filter(pk=1).update(paused=True)  # the facts wait
    every_fact_type(operator=operator, bank=bank, bank_officer=bank_officer, applications=4)
    batch = uplink.uplink_batch_form(size=1000)

    body, ids = uplink._body(batch)

    facts = list(UplinkFact.objects.filter(batch=batch).order_by("id"))
    assert json.loads(body) == {
        "protocol": "national-uplink/1",
        "batch_id": uplink.batch_wire_id(batch),
        "province": "410000",
        "facts": [
            protocol.envelope(
                sequence=fact.pk,
                fact_type=fact.fact_type,
                schema=fact.schema,
                idempotency_key=fact.idempotency_key,
                occurred_at=fact.occurred_at,
                data=fact.data,
            )
            for fact in facts
        ],
    }
    assert len(facts) > 20 and ids == [fact.pk for fact in facts]
