"""Credit pulls: a bank asks for an enterprise's records; the hub fans out to every active
connector that covers the enterprise, concurrently, and every source ends in a definite
state.

A run is safe to repeat. It claims the pull with a lease (a conditional UPDATE), skips the
sources that already finished, and resumes each unfinished source from the cursor it
stored with its last page — page, records and cursor are committed together — so a worker
killed mid-pull leaves a pull that the re-delivered task finishes, with nothing stored twice.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import close_old_connections, connections, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from connectors import audit
from connectors.base import ConnectorError, RecordQuery
from connectors.circuit import CircuitBreaker
from connectors.models import Connector, CreditPull, PullSource
from connectors.models.pulls import FINISHED, PullStatus
from connectors.selectors.retention import retention_policy_of
from connectors.services.connectors import connector_client
from connectors.services.disputes import dispute_corrections_apply
from connectors.services.records import partition_records, records_store
from connectors.services.retention import lookback_bounds, pull_frequency_check
from hub.categories import ALL_CATEGORIES
from hub.errors import Forbidden, InvalidInput
from hub.models import Authorization, Organization, User, Verification
from hub.models.authorizations import SELF_PURPOSE
from hub.selectors.consent import authorizations_in_force
from hub.selectors.verification import enterprise_holder, is_verified, refuse_credit_read
from hub.services.events import event_record
from hub.services.jobs import job_busy, job_claim, job_lease_kept

logger = logging.getLogger(__name__)


class Messages:
    BANK_ONLY = _("Only bank users can pull credit data.")
    NOT_AUTHORIZED = _("No authorization in force from this enterprise to your bank covers every requested category.")
    CATEGORY_UNKNOWN = _("Unknown credit category: %(category)s.")
    NO_CONNECTOR = _("No active connector covers this enterprise's region and the requested categories.")
    AUTHORIZATION_ENDED = _(
        "The authorization was revoked or expired, or the enterprise suspended, before the source was asked."
    )


# --- starting a pull -------------------------------------------------------------------------------


def _covering_authorization(*, bank_id: int, enterprise_id: int, categories: list[str] | None) -> Authorization:
    """The authorization in force that covers every requested category (the one valid
    longest); with no categories named, the longest-valid one and all its scopes."""
    for authorization in authorizations_in_force(bank_id=bank_id, enterprise_id=enterprise_id):
        if categories is None or set(categories) <= set(authorization.scopes):
            return authorization
    raise Forbidden(Messages.NOT_AUTHORIZED, code="not_authorized")


@transaction.atomic
def credit_pull_start(*, actor: User, enterprise_uscc: str, categories: list[str] | None = None) -> CreditPull:
    """A bank starts a pull; it runs in the background (queued after commit).

    Raises Forbidden when the caller is no bank user or no authorization in force covers
    the request (an unknown enterprise looks the same, so USCCs cannot be probed),
    InvalidInput for an unknown category, and TooManyAttempts (429 ``pull_cap``) beyond the
    retention policy's pulls a day for the authorization's purpose. The policy's look-back
    is fixed on the pull (``since``): older records are neither asked for nor stored.
    """
    bank = actor.organization
    if bank is None or not bank.is_bank:
        raise Forbidden(Messages.BANK_ONLY)
    if categories is not None:
        for category in categories:
            if category not in ALL_CATEGORIES:
                message = Messages.CATEGORY_UNKNOWN % {"category": category}
                raise InvalidInput(message, fields={"categories": [message]})
        categories = sorted(set(categories), key=ALL_CATEGORIES.index)
    enterprise = enterprise_holder(enterprise_uscc)
    if enterprise is None or not is_verified(enterprise.pk):
        refuse_credit_read(enterprise_uscc, Forbidden(Messages.NOT_AUTHORIZED, code="not_authorized"))
    authorization = _covering_authorization(bank_id=bank.pk, enterprise_id=enterprise.pk, categories=categories)
    requested = categories or sorted(authorization.scopes, key=ALL_CATEGORIES.index)
    # Fair use (合理使用): the purpose's pulls a day, counted with the authorization locked so
    # two concurrent starts cannot both take the last one, and how far back it may reach.
    Authorization.objects.select_for_update().filter(pk=authorization.pk).values_list("pk", flat=True).first()
    policy = retention_policy_of(authorization.purpose)
    pull_frequency_check(authorization=authorization, policy=policy)
    since = lookback_bounds(policy, requested, today=timezone.localdate())

    pull = CreditPull.objects.create(
        bank=bank,
        enterprise=enterprise,
        authorization=authorization,
        categories=requested,
        since=since,
        requested_by=actor,
    )
    _sources_create(pull)
    audit.credit_pull_started(pull=pull, purpose=authorization.purpose, actor=actor)
    _queue(pull)
    return pull


@transaction.atomic
def own_credit_pull_start(*, actor: User, enterprise: Organization) -> CreditPull:
    """An enterprise pulls its own records (purpose ``self``, 自查), every category, for its
    credit report. No bank and no authorization: it reads itself. The caller has checked that
    the actor signs for a verified ``enterprise``; the read is audited in its chain, so its
    access log shows it as its own."""
    pull = CreditPull.objects.create(
        bank=None, enterprise=enterprise, authorization=None, categories=list(ALL_CATEGORIES), requested_by=actor
    )
    _sources_create(pull)
    audit.credit_pull_started(pull=pull, purpose=SELF_PURPOSE, actor=actor)
    _queue(pull)
    return pull


def _sources_create(pull: CreditPull) -> None:
    """A source per active connector covering the enterprise and a requested category; a
    pull that no connector covers fails at once."""
    region_code = pull.enterprise.region_code
    covering = [
        connector
        for connector in Connector.objects.filter(status=Connector.Status.ACTIVE).order_by("pk")
        if connector.covers_region(region_code) and set(connector.categories) & set(pull.categories)
    ]
    PullSource.objects.bulk_create(
        PullSource(pull=pull, connector=connector, categories=[c for c in pull.categories if c in connector.categories])
        for connector in covering
    )
    if not covering:
        pull.status, pull.error, pull.finished_at = PullStatus.FAILED, str(Messages.NO_CONNECTOR), timezone.now()
        pull.save(update_fields=["status", "error", "finished_at"])
        _finished_event(pull)


def _queue(pull: CreditPull) -> None:
    if pull.status == PullStatus.QUEUED:
        from connectors.tasks import run_credit_pull

        run_credit_pull.delay_on_commit(pull.pk)


#: How long the enterprise's own pull tells the platforms it may be answered.
OWN_PULL_VALIDITY = timedelta(hours=1)


# --- running a pull ---------------------------------------------------------------------------------


def _lease() -> timedelta:
    return timedelta(seconds=settings.HUB_PULL_LEASE_SECONDS)


def credit_pull_run(*, pull_id: int) -> str:
    """Run (or resume) a pull to its end; returns its final status.

    Raises JobBusy while another run holds the lease. A pull already finished is left as it
    is, so running this twice is harmless.
    """
    claimable = (PullStatus.QUEUED, PullStatus.RUNNING)
    if not job_claim(CreditPull, pull_id, lease=_lease(), running=PullStatus.RUNNING, claimable=claimable):
        status = CreditPull.objects.values_list("status", flat=True).get(pk=pull_id)
        if status in FINISHED:
            return status
        raise job_busy(CreditPull, pull_id)
    with job_lease_kept(CreditPull, pull_id, lease=_lease(), running=PullStatus.RUNNING):
        return _run_claimed_pull(pull_id)


def _run_claimed_pull(pull_id: int) -> str:
    pull = CreditPull.objects.select_related("enterprise", "authorization").get(pk=pull_id)
    pending = list(pull.sources.exclude(status__in=FINISHED).select_related("connector", "pull").order_by("pk"))
    authorization = pull.authorization
    if not _consent_holds(pull.authorization_id, pull.enterprise_id):
        # Revocation or suspension takes effect on the next request: no platform is asked.
        for source in pending:
            _finish_source(source, _CONSENT_ENDED)
        return _finish_pull(pull_id)

    if authorization is None:
        # The enterprise's own pull: the platform is told so (purpose self), under the pull's
        # own id, valid for as long as a run may take.
        basis = (f"self-{pull.pk}", SELF_PURPOSE, timezone.now() + OWN_PULL_VALIDITY)
    else:
        basis = (str(authorization.pk), authorization.purpose, authorization.expires_at)
    query = RecordQuery(
        request_id=str(uuid.uuid4()),
        uscc=pull.enterprise.code,
        categories=list(pull.categories),
        authorization_id=basis[0],
        purpose=basis[1],
        expires_at=basis[2],
        lookback={category: date.fromisoformat(day) for category, day in pull.since.items()},
    )
    # All sources are marked running in one statement before any request goes out: a write
    # per source thread would hold each request back behind its own commit.
    PullSource.objects.filter(pk__in=[source.pk for source in pending]).update(
        status=PullStatus.RUNNING, started_at=Coalesce("started_at", timezone.now())
    )
    parallel = min(settings.HUB_PULL_MAX_PARALLEL, max(1, len(pending)))
    if parallel == 1:
        for source in pending:
            _run_source_to_an_end(source, pull.enterprise_id, query)
    else:
        _run_sources_concurrently(pull_id, pending, pull.enterprise_id, query, parallel)
    return _finish_pull(pull_id)


def _run_sources_concurrently(pull_id, sources, enterprise_id, query, parallel) -> None:
    def in_own_connection(source):
        close_old_connections()
        try:
            _run_source_to_an_end(source, enterprise_id, query)
        finally:
            connections.close_all()  # each worker thread opened its own connection

    with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix=f"pull-{pull_id}") as executor:
        futures = [executor.submit(in_own_connection, source) for source in sources]
        for future in as_completed(futures):
            future.result()  # a bug in a source's run surfaces here, not silently


@dataclass
class _Outcome:
    status: str
    error: str = ""


def _run_source_to_an_end(source: PullSource, enterprise_id: int, query: RecordQuery) -> None:
    """Every source ends in a definite state: an unexpected error (a bug, the database
    refusing a write) fails this source with its class name instead of leaving it running
    or taking the other sources down with it."""
    try:
        _run_source(source, enterprise_id, query)
    except Exception as error:  # recorded on the row and logged with its traceback
        logger.exception("credit pull source %s failed unexpectedly", source.pk)
        _finish_source(source, _Outcome(PullStatus.FAILED, f"internal_error: {error.__class__.__name__}"))


_CONSENT_ENDED = _Outcome(PullStatus.REVOKED, f"authorization_ended: {Messages.AUTHORIZATION_ENDED}")


def _consent_holds(authorization_id: int | None, enterprise_id: int, *, lock: bool = False) -> bool:
    """Whether the pull's authorization is in force and its enterprise verified, now, in one
    query. With ``lock`` (inside a page's transaction) the authorization row is locked, so a
    revocation either committed before — and nothing is stored — or waits until the page is.
    The enterprise's own pull (no authorization) holds while the enterprise stays verified;
    its verification row is locked instead, so a suspension waits the same way."""
    if authorization_id is None:
        verified = Verification.objects.filter(enterprise_id=enterprise_id, status=Verification.Status.VERIFIED)
        if lock:
            return verified.select_for_update(no_key=True).values_list("pk", flat=True).first() is not None
        return verified.exists()
    holding = Authorization.objects.filter(
        pk=authorization_id,
        status=Authorization.Status.ACTIVE,
        expires_at__gt=timezone.now(),
        enterprise__verification__status=Verification.Status.VERIFIED,
    )
    if lock:
        return holding.select_for_update(no_key=True, of=("self",)).values_list("pk", flat=True).first() is not None
    return holding.exists()


def _run_source(source: PullSource, enterprise_id: int, query: RecordQuery) -> None:
    connector = source.connector
    client = connector_client(connector)
    breaker = CircuitBreaker(connector.pk)
    source_query = RecordQuery(
        **{**query.__dict__, "categories": list(source.categories), "since": query.since_for(source.categories)}
    )
    authorization_id = source.pull.authorization_id
    cursor, skipped_total = source.cursor or None, source.skipped
    while True:
        # Consent is checked before every page is asked for and again, under a lock, before
        # it is stored: a revocation or suspension stops the pull between two pages.
        if not _consent_holds(authorization_id, enterprise_id):
            outcome, attempts = _CONSENT_ENDED, 0
            break
        page, outcome, attempts = _fetch_with_retries(client, breaker, source_query, cursor)
        if page is None:
            break
        valid, skipped = partition_records(
            page.records, allowed_categories=set(source.categories), lookback=source_query.lookback
        )
        skipped_total += skipped
        cursor = page.next_cursor
        with transaction.atomic():
            if not _consent_holds(authorization_id, enterprise_id, lock=True):
                outcome, attempts = _CONSENT_ENDED, attempts
                break
            # The page's records and the cursor past it commit together: a run that dies
            # after this point resumes on the next page, one that dies before it refetches
            # this one (and stores nothing twice). The last page also ends the source.
            records_store(
                enterprise_id=enterprise_id, connector=connector, records=valid, authorization_id=authorization_id
            )
            PullSource.objects.filter(pk=source.pk).update(
                skipped=skipped_total,
                records=F("records") + len(valid),
                pages=F("pages") + 1,
                attempts=F("attempts") + attempts,
                cursor=cursor or "",
            )
            if not cursor:
                if not skipped_total:
                    # A full answer settles what upheld disputes asked of this platform's records.
                    dispute_corrections_apply(
                        connector_id=connector.pk,
                        enterprise_id=enterprise_id,
                        categories=list(source.categories),
                        lookback=source_query.lookback or {},
                    )
                _finish_source(
                    source,
                    _Outcome(
                        PullStatus.PARTIAL if skipped_total else PullStatus.SUCCEEDED,
                        f"{skipped_total} records broke the schema and were skipped" if skipped_total else "",
                    ),
                )
                return
    _finish_source(source, outcome, attempts)


def _fetch_with_retries(client, breaker, query, cursor):
    """One page, retrying transient failures with exponential backoff and full jitter (or
    the platform's Retry-After). Returns (page, None, calls made) or (None, the source's
    final outcome, calls made)."""
    attempts = settings.HUB_CONNECTOR_RETRY_ATTEMPTS
    for attempt in range(attempts):
        if not breaker.allows_call():
            return (
                None,
                _Outcome(PullStatus.FAILED, "circuit_open: the connector failed repeatedly; not asked"),
                attempt,
            )
        try:
            page = client.fetch_page(query, cursor)
        except ConnectorError as error:
            if error.permanent:
                return None, _Outcome(PullStatus.FAILED, f"{error.code}: {error.message}"), attempt + 1
            breaker.record_failure()
            if attempt == attempts - 1:
                message = f"{error.code}: {error.message} (gave up after {attempts} attempts)"
                return None, _Outcome(PullStatus.FAILED, message), attempt + 1
            time.sleep(_backoff(attempt, error.retry_after))
            continue
        breaker.record_success()
        return page, None, attempt + 1
    raise AssertionError("unreachable")  # pragma: no cover


def _backoff(attempt: int, retry_after: float | None) -> float:
    cap = settings.HUB_CONNECTOR_RETRY_CAP_SECONDS
    if retry_after is not None:
        return min(retry_after, cap * 4)
    return random.uniform(0, min(cap, settings.HUB_CONNECTOR_RETRY_BASE_SECONDS * 2**attempt))


def _finish_source(source: PullSource, outcome: _Outcome, attempts: int = 0) -> None:
    """Record the source's end state once (a later run never overwrites a finished one).
    ``records`` already counts what this pull received, page by page, in the pages' own
    transactions: a source that failed says 0, not what earlier pulls left behind."""
    PullSource.objects.filter(pk=source.pk).exclude(status__in=FINISHED).update(
        status=outcome.status,
        error=outcome.error[:300],
        attempts=F("attempts") + attempts,
        finished_at=timezone.now(),
    )


def credit_pull_give_up(pull_id: int, reason: str) -> str:
    """End a running pull whose runs kept dying: its unfinished sources fail with ``reason``
    (what they stored stays), and the pull ends as its sources say."""
    for source in PullSource.objects.filter(pull_id=pull_id).exclude(status__in=FINISHED):
        _finish_source(source, _Outcome(PullStatus.FAILED, reason))
    return _finish_pull(pull_id)


def _finish_pull(pull_id: int) -> str:
    statuses = list(PullSource.objects.filter(pull_id=pull_id).values_list("status", flat=True))
    if PullStatus.REVOKED in statuses:
        # Consent ended part-way: that, not how far the sources got, is what the bank must see.
        final = PullStatus.REVOKED
    elif statuses and all(status == PullStatus.SUCCEEDED for status in statuses):
        final = PullStatus.SUCCEEDED
    elif not statuses or all(status == PullStatus.FAILED for status in statuses):
        final = PullStatus.FAILED
    else:
        final = PullStatus.PARTIAL
    with transaction.atomic():
        finished = CreditPull.objects.filter(pk=pull_id, status=PullStatus.RUNNING).update(
            status=final, finished_at=timezone.now(), lease_until=None
        )
        if finished:
            _finished_event(CreditPull.objects.select_related("enterprise").get(pk=pull_id))
    status, authorization_id = CreditPull.objects.values_list("status", "authorization_id").get(pk=pull_id)
    if authorization_id is None:
        # The enterprise's own pull feeds its credit report, issued once the pull has ended.
        from connectors.tasks import issue_credit_report_of_pull

        issue_credit_report_of_pull.delay_on_commit(pull_id)
    return status


def _finished_event(pull: CreditPull) -> None:
    """The bank's webhook event and notice that its pull ended (no record, only counts); the
    enterprise's own pull has no bank to tell (its report says how it ended)."""
    if pull.bank_id is None:
        return
    event_record(
        type="credit_pull.finished",
        organization_ids=[pull.bank_id],
        object_type="credit_pull",
        object_id=pull.pk,
        data={
            "credit_pull": pull.pk,
            "enterprise": pull.enterprise.code,
            "status": pull.status,
            "categories": list(pull.categories),
            "finished_at": pull.finished_at.isoformat(),
        },
    )
