"""Sending the outbox up (docs/national-uplink.md, "Uplink").

Facts leave in batches, in sequence order, one batch open at a time. A batch is a leased
job: its run holds a lease it renews while it works, so a worker that dies mid-batch leaves
it running with a lapsing lease, and the reaper (hub.services.jobs) queues it again; the
batch is then sent again whole, with the same id and facts, which the national side
acknowledges again without storing anything twice (it dedupes by idempotency key). An
acknowledged batch is never sent again, so the hub sends nothing twice that was acknowledged.

A batch the national side did not acknowledge (an outage, a 503, a timeout, a bad answer)
ends failed and its facts go back to the queue: the next batch carries them again, after a
back-off that grows with each failure. A fact the national side rejects is parked with the
reason, for the operator; the rest of its batch, and the facts after it, go on.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from connectors import audit
from connectors.base import ConnectorError
from connectors.models import NationalLink, UplinkBatch, UplinkFact
from connectors.national import protocol
from connectors.national.client import NationalClient
from connectors.national.facts import uplink_enabled
from hub.errors import Conflict, Forbidden, NotFound
from hub.models import User
from hub.services.jobs import job_claim, job_lease_kept

logger = logging.getLogger(__name__)

Status = UplinkBatch.Status
RETRY_BASE_SECONDS = 1.0
# A task sends for at most this long, well below the soft time limit; the schedule goes on.
DRAIN_SECONDS = 60


class Messages:
    OPERATOR_ONLY = _("Only the hub operator manages the national link.")
    ALREADY_PAUSED = _("The national link is already paused.")
    NOT_PAUSED = _("The national link is not paused.")
    NOT_PARKED = _("This fact is not parked.")
    ABANDONED = _("Its batch's runs died {runs} times without an acknowledgement; the facts are queued again.")


def _lease() -> timedelta:
    return timedelta(seconds=settings.HUB_NATIONAL_LEASE_SECONDS)


def pending_facts():
    return UplinkFact.objects.filter(batch__isnull=True, parked=False)


# --- forming and sending batches --------------------------------------------------------------


def uplink_batch_form(*, size: int | None = None) -> UplinkBatch | None:
    """The next batch: the oldest pending facts, by sequence. None when nothing is pending
    or a batch is open already (one at a time keeps the order)."""
    size = size or settings.HUB_NATIONAL_BATCH_SIZE
    if not pending_facts().exists():
        return None
    try:
        with transaction.atomic():
            batch = UplinkBatch.objects.create(first_sequence=0, last_sequence=0, size=0)
            first, last, count = _assign(batch.pk, size)
            if not count:  # another run took them meanwhile
                UplinkBatch.objects.filter(pk=batch.pk).update(status=Status.FAILED, error="nothing pending")
                return None
            UplinkBatch.objects.filter(pk=batch.pk).update(first_sequence=first, last_sequence=last, size=count)
    except IntegrityError:  # another run opened a batch meanwhile
        return None
    batch.first_sequence, batch.last_sequence, batch.size = first, last, count
    return batch


def _assign(batch_id: int, size: int) -> tuple[int, int, int]:
    """Give the oldest ``size`` pending facts to the batch: (first, last sequence, count)."""
    if connection.vendor == "postgresql":
        # One statement: the facts' rows are read and marked without a round trip per fact.
        with connection.cursor() as cursor:
            cursor.execute(
                """
                WITH moved AS (
                    UPDATE connectors_uplinkfact SET batch_id = %s
                    -- An array, not a join: the planner then reaches each row by its key,
                    -- where a join of the LIMIT's ids read the whole table (a hash join).
                    WHERE id = ANY(ARRAY(
                        SELECT id FROM connectors_uplinkfact WHERE batch_id IS NULL AND NOT parked ORDER BY id LIMIT %s
                    )) AND batch_id IS NULL
                    RETURNING id
                )
                SELECT min(id), max(id), count(*) FROM moved
                """,
                [batch_id, size],
            )
            first, last, count = cursor.fetchone()
        return first or 0, last or 0, count
    ids = list(pending_facts().order_by("id").values_list("id", flat=True)[:size])
    count = UplinkFact.objects.filter(id__in=ids, batch__isnull=True).update(batch=batch_id)
    return (ids[0], ids[-1], count) if ids else (0, 0, 0)


def _batch_facts(batch: UplinkBatch):
    # By the sequence range first (the primary key), then the batch.
    return UplinkFact.objects.filter(
        id__gte=batch.first_sequence, id__lte=batch.last_sequence, batch_id=batch.pk
    ).order_by("id")


def _body(batch: UplinkBatch) -> tuple[bytes, list[int]]:
    head = protocol.batch_body(batch_id=batch_wire_id(batch), region_code=settings.HUB_NATIONAL_REGION_CODE, facts=[])
    if connection.vendor == "postgresql":
        facts_json, ids = _facts_json_in_postgresql(batch)
    else:
        rows = _batch_facts(batch).values_list("id", "fact_type", "schema", "idempotency_key", "occurred_at", "data")
        envelopes = [
            protocol.envelope(
                sequence=sequence,
                fact_type=fact_type,
                schema=schema,
                idempotency_key=key,
                occurred_at=occurred_at,
                data=data,
            )
            for sequence, fact_type, schema, key, occurred_at, data in rows
        ]
        facts_json, ids = protocol.dumps(envelopes)[1:-1], [envelope["sequence"] for envelope in envelopes]
    # The batch's own fields, then its facts as the database wrote them.
    assert head.endswith(b'"facts":[]}')
    return head[: -len(b"]}")] + facts_json + b"]}", ids


def _facts_json_in_postgresql(batch: UplinkBatch) -> tuple[bytes, list[int]]:
    """The envelopes written by PostgreSQL itself, so a batch costs no JSON decoding and
    encoding of every fact's data in Python (the sender's time goes to the network)."""
    with connection.cursor() as cursor:
        # occurred_at in the hub's time zone with its offset, as protocol.envelope writes it.
        cursor.execute(
            """
            SELECT coalesce(string_agg(json_build_object(
                       'sequence', id, 'type', fact_type, 'schema', schema, 'idempotency_key', idempotency_key,
                       'occurred_at', to_char(local, 'YYYY-MM-DD"T"HH24:MI:SS')
                           || CASE WHEN offset_seconds < 0 THEN '-' ELSE '+' END
                           || lpad((abs(offset_seconds) / 3600)::text, 2, '0') || ':'
                           || lpad((abs(offset_seconds) %% 3600 / 60)::text, 2, '0'),
                       'data', data
                   )::text, ',' ORDER BY id), ''),
                   coalesce(array_agg(id ORDER BY id), '{}')
            FROM connectors_uplinkfact,
                 LATERAL (SELECT occurred_at AT TIME ZONE %s AS local) AS zoned,
                 LATERAL (SELECT extract(epoch FROM local - (occurred_at AT TIME ZONE 'UTC'))::int AS offset_seconds)
                     AS offset_of
            WHERE id BETWEEN %s AND %s AND batch_id = %s
            """,
            [settings.TIME_ZONE, batch.first_sequence, batch.last_sequence, batch.pk],
        )
        facts_json, ids = cursor.fetchone()
    return facts_json.encode("utf-8"), list(ids)


def batch_wire_id(batch: UplinkBatch) -> str:
    # The row's id and its creation time: a batch id is never reused, even after a restore.
    return f"{settings.HUB_NATIONAL_REGION_CODE}-{batch.pk}-{int(batch.created_at.timestamp())}"


def uplink_batch_run(
    batch_id: int,
    *,
    client: NationalClient | None = None,
    prepared: tuple[bytes, list[int]] | None = None,
    while_in_flight: Callable[[], object] | None = None,
) -> str:
    """Send one batch and apply its acknowledgement. Returns ``acknowledged``, ``failed``
    (the facts are queued again, the link backs off), ``paused`` or ``busy`` (another run
    holds the batch, or an earlier batch is still open: order first).

    ``prepared`` is the batch's body when it was written beforehand; ``while_in_flight`` runs
    while the national platform works on the batch (the drain prepares the next one then)."""
    if UplinkBatch.objects.filter(status__in=UplinkBatch.OPEN, pk__lt=batch_id).exists():
        return "busy"
    if not job_claim(UplinkBatch, batch_id, lease=_lease(), running=Status.RUNNING, claimable=UplinkBatch.OPEN):
        return "busy"
    batch = UplinkBatch.objects.get(pk=batch_id)
    if NationalLink.get().paused:
        # Still the first open batch: the drain takes it up again once the link is resumed.
        UplinkBatch.objects.filter(pk=batch_id, status=Status.RUNNING).update(lease_until=None)
        return "paused"
    own_client = client is None
    client = client or NationalClient.from_settings()
    try:
        with job_lease_kept(UplinkBatch, batch_id, lease=_lease(), running=Status.RUNNING):
            body, ids = prepared or _body(batch)
            try:
                with ThreadPoolExecutor(max_workers=1, thread_name_prefix="uplink-send") as pool:
                    answer = pool.submit(client.send_batch, body)
                    if while_in_flight is not None:
                        while_in_flight()
                    payload = answer.result()
                accepted, rejected = protocol.parse_acknowledgement(payload, batch_id=batch_wire_id(batch))
            except (ConnectorError, protocol.AcknowledgementError) as error:
                code = getattr(error, "code", "bad_acknowledgement")
                _batch_failed(batch_id, f"{code}: {error}"[:300])
                return "failed"
            _batch_acknowledged(batch_id, ids, accepted, rejected)
            return "acknowledged"
    finally:
        if own_client:
            client.close()


@transaction.atomic
def _batch_acknowledged(
    batch_id: int, ids: list[int], accepted: set[int], rejected: dict[int, tuple[str, str]]
) -> None:
    now = timezone.now()
    sent = set(ids)
    for sequence, (reason_code, reason) in rejected.items():
        if sequence in sent:
            UplinkFact.objects.filter(pk=sequence, batch_id=batch_id).update(
                parked=True, reason_code=reason_code, reason=reason, parked_at=now
            )
    # Facts the acknowledgement named neither way were not taken: they go back to the queue.
    unanswered = sent - accepted - set(rejected)
    if unanswered:
        logger.warning("national acknowledgement of batch %s left %s facts unanswered", batch_id, len(unanswered))
        UplinkFact.objects.filter(pk__in=unanswered, batch_id=batch_id).update(batch=None)
    UplinkBatch.objects.filter(pk=batch_id).update(
        status=Status.ACKNOWLEDGED,
        accepted=len(sent & accepted),
        rejected=len(sent & set(rejected)),
        finished_at=now,
        lease_until=None,
    )
    NationalLink.get()
    NationalLink.objects.filter(pk=1).update(failures=0, retry_at=None, last_acknowledged_at=now)


@transaction.atomic
def _batch_failed(batch_id: int, error: str) -> None:
    now = timezone.now()
    _batch_facts(UplinkBatch.objects.get(pk=batch_id)).update(batch=None)
    UplinkBatch.objects.filter(pk=batch_id).update(status=Status.FAILED, error=error, finished_at=now, lease_until=None)
    link = NationalLink.get(lock=True)
    link.failures += 1
    delay = min(settings.HUB_NATIONAL_RETRY_CAP_SECONDS, RETRY_BASE_SECONDS * 2 ** min(link.failures - 1, 20))
    # Equal jitter: never at once again, never all provinces in step.
    link.retry_at = now + timedelta(seconds=delay / 2 + random.uniform(0, delay / 2))
    link.last_error, link.last_error_at = error, now
    link.save(update_fields=["failures", "retry_at", "last_error", "last_error_at"])
    logger.warning("national uplink batch %s failed (%s); next try at %s", batch_id, error, link.retry_at)


@transaction.atomic
def _batch_withdrawn(batch_id: int, error: str) -> None:
    """A batch formed behind one that failed, never sent: its facts go back to the queue, so
    they leave after the failed batch's again, in order."""
    _batch_facts(UplinkBatch.objects.get(pk=batch_id)).update(batch=None)
    UplinkBatch.objects.filter(pk=batch_id, status=Status.QUEUED).update(
        status=Status.FAILED, error=error[:300], finished_at=timezone.now()
    )


def uplink_batch_give_up(batch_id: int, reason: str) -> None:
    """The reaper's end of a batch whose runs kept dying: failed, its facts queued again."""
    _batch_failed(batch_id, reason[:300])


def uplink_drain(*, seconds: float = DRAIN_SECONDS, client: NationalClient | None = None) -> int:
    """Send batches until nothing is pending, the link is paused or backing off, a batch
    fails, or ``seconds`` have passed. Returns how many facts were acknowledged (accepted or
    rejected).

    While the national platform works on a batch, the next one is formed and written (one
    batch may wait queued behind the one being sent), so the database's work and the
    network's overlap; it is sent only once the batch before it was acknowledged, and
    withdrawn (its facts queued again) when that one failed."""
    if not uplink_enabled():
        return 0
    deadline = time.monotonic() + seconds
    own_client = client is None
    client = client or NationalClient.from_settings()
    answered = 0
    following: tuple[UplinkBatch, tuple[bytes, list[int]]] | None = None
    try:
        while time.monotonic() < deadline:
            link = NationalLink.get()
            now = timezone.now()
            if link.paused or (link.retry_at and link.retry_at > now):
                break
            prepared = None
            if following is not None:
                batch, prepared = following
                following = None
            else:
                batch = UplinkBatch.objects.filter(status__in=UplinkBatch.OPEN).order_by("id").first()
                if batch is None:
                    batch = uplink_batch_form()
                    if batch is None:
                        break
                elif batch.status == Status.RUNNING and batch.lease_until and batch.lease_until > now:
                    break  # another run is sending it
            ahead: dict = {}

            def prepare_next(ahead=ahead):
                if time.monotonic() < deadline and (next_batch := uplink_batch_form()) is not None:
                    ahead["batch"] = (next_batch, _body(next_batch))

            outcome = uplink_batch_run(batch.pk, client=client, prepared=prepared, while_in_flight=prepare_next)
            if outcome != "acknowledged":
                if "batch" in ahead:
                    _batch_withdrawn(
                        ahead["batch"][0].pk, f"formed behind batch {batch.pk}, which was not acknowledged"
                    )
                break
            answered += batch.size
            following = ahead.get("batch")
    finally:
        if own_client:
            client.close()
    return answered


# --- the operator ------------------------------------------------------------------------------


def _require_operator(actor: User) -> None:
    if not actor.is_operator:
        raise Forbidden(Messages.OPERATOR_ONLY)


@transaction.atomic
def national_link_pause(*, actor: User) -> NationalLink:
    """Stop sending (facts are still recorded and wait). Raises Forbidden, Conflict."""
    _require_operator(actor)
    link = NationalLink.get(lock=True)
    if link.paused:
        raise Conflict(Messages.ALREADY_PAUSED)
    link.paused, link.paused_at = True, timezone.now()
    link.save(update_fields=["paused", "paused_at"])
    audit.national_link_changed(actor=actor, action="paused")
    return link


@transaction.atomic
def national_link_resume(*, actor: User) -> NationalLink:
    """Send again, at once (the back-off is reset). Raises Forbidden, Conflict."""
    _require_operator(actor)
    link = NationalLink.get(lock=True)
    if not link.paused:
        raise Conflict(Messages.NOT_PAUSED)
    link.paused, link.paused_at, link.retry_at, link.failures = False, None, None, 0
    link.save(update_fields=["paused", "paused_at", "retry_at", "failures"])
    audit.national_link_changed(actor=actor, action="resumed")
    from connectors.tasks import send_national_uplink

    send_national_uplink.delay_on_commit()
    return link


@transaction.atomic
def uplink_fact_requeue(*, actor: User, fact_id: int) -> UplinkFact:
    """Send a parked fact again (after the national side fixed what it refused it for); it
    keeps its sequence and idempotency key. Raises Forbidden, NotFound, Conflict."""
    _require_operator(actor)
    fact = UplinkFact.objects.select_for_update().filter(pk=fact_id).first()
    if fact is None:
        raise NotFound(_("Fact not found."))
    if not fact.parked:
        raise Conflict(Messages.NOT_PARKED)
    audit.uplink_fact_requeued(actor=actor, fact=fact)
    fact.parked, fact.batch, fact.parked_at = False, None, None
    fact.save(update_fields=["parked", "batch", "parked_at"])
    return fact
