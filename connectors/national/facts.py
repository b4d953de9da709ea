"""The facts the hub reports to the national platform, one builder per type, and the outbox
writer. A fact carries what the national platform counts and matches on (USCC, enterprise
name, region, amounts, statuses, dates, bank codes), never personal data: no person's name,
ID number or phone number, and no free text typed by a person (a purpose, a rejection's
reason), which could hold any of them. tests/connectors/national/test_facts.py checks every
type against its JSON Schema (docs/schemas/) and for personal data.

Loans and their monthly balances (贷款及月度余额) follow the disbursement: a loan fact when it is
made, a loan_monthly_balance fact for every month a bank reports (and for each correction).
A new type is a builder here, an entry of FACT_TYPES and a schema file.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from connectors.models import UplinkFact
from hub import facts as hub_facts

SCHEMA_PREFIX = "urn:xinyidai-hub:national-uplink:fact"

ENTERPRISE_REGISTRATION = hub_facts.ENTERPRISE_REGISTRATION
ENTERPRISE_VERIFICATION = hub_facts.ENTERPRISE_VERIFICATION
FINANCING_DEMAND = "financing_demand"
FINANCING_DEMAND_OUTCOME = "financing_demand_outcome"
LOAN_APPLICATION = "loan_application"
LOAN_APPLICATION_DECISION = "loan_application_decision"
WHITELIST_PUBLICATION = "whitelist_publication"
WHITELIST_ENTRY = "whitelist_entry"
MONTHLY_STATISTICS = "monthly_statistics"
LOAN = "loan"
LOAN_MONTHLY_BALANCE = "loan_monthly_balance"

#: Every fact type with its schema version (docs/schemas/<type>.v<version>.schema.json).
FACT_TYPES: dict[str, int] = {
    ENTERPRISE_REGISTRATION: 1,
    ENTERPRISE_VERIFICATION: 1,
    FINANCING_DEMAND: 1,
    FINANCING_DEMAND_OUTCOME: 1,
    LOAN_APPLICATION: 1,
    LOAN_APPLICATION_DECISION: 1,
    WHITELIST_PUBLICATION: 1,
    WHITELIST_ENTRY: 1,
    MONTHLY_STATISTICS: 1,
    LOAN: 1,
    LOAN_MONTHLY_BALANCE: 1,
}

_NUDGE_KEY = "national-uplink-nudge"


def schema_id(fact_type: str) -> str:
    return f"{SCHEMA_PREFIX}:{fact_type}:{FACT_TYPES[fact_type]}"


def schema_file(fact_type: str) -> str:
    return f"{fact_type}.v{FACT_TYPES[fact_type]}.schema.json"


def uplink_enabled() -> bool:
    return bool(settings.HUB_NATIONAL_URL)


# --- the outbox ------------------------------------------------------------------------------


def fact_record(fact_type: str, data: dict, *, occurred_at: datetime, key: str | None = None) -> UplinkFact | None:
    """Write one fact to the outbox, in the caller's transaction; nothing while the link is
    off. ``key`` is the idempotency key: a fact whose key is already recorded is not recorded
    again (for facts of a period, such as a month's statistics); by default a new one."""
    if not uplink_enabled():
        return None
    fact = UplinkFact(
        fact_type=fact_type,
        schema=schema_id(fact_type),
        idempotency_key=key or f"{fact_type}:{uuid.uuid4().hex}",
        occurred_at=occurred_at,
        data=data,
    )
    if key is None:
        fact.save()
    else:
        UplinkFact.objects.bulk_create([fact], ignore_conflicts=True)
        fact = UplinkFact.objects.get(idempotency_key=key)
    _nudge_sender()
    return fact


def facts_record(facts: list[tuple[str, dict, datetime, str | None]], *, batch_size: int = 2000) -> int:
    """Many facts at once (a whitelist's entries): (type, data, occurred_at, key) each."""
    if not uplink_enabled() or not facts:
        return 0
    rows = [
        UplinkFact(
            fact_type=fact_type,
            schema=schema_id(fact_type),
            idempotency_key=key or f"{fact_type}:{uuid.uuid4().hex}",
            occurred_at=occurred_at,
            data=data,
        )
        for fact_type, data, occurred_at, key in facts
    ]
    UplinkFact.objects.bulk_create(rows, batch_size=batch_size, ignore_conflicts=True)
    _nudge_sender()
    return len(rows)


def _nudge_sender() -> None:
    """Ask the sender to run once the transaction commits, at most once a second; the
    schedule (send-national-uplink) sends whatever a nudge missed."""

    def nudge():
        if cache.add(_NUDGE_KEY, 1, timeout=1):
            from connectors.tasks import send_national_uplink

            send_national_uplink.delay()

    transaction.on_commit(nudge)


# --- builders ----------------------------------------------------------------------------------


def _money(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{Decimal(amount):.2f}"


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else timezone.localtime(moment).isoformat(timespec="seconds")


def _day(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def enterprise_registration(enterprise) -> dict:
    return {
        "uscc": enterprise.code,
        "name": enterprise.name,
        "region_code": enterprise.region_code,
        "industry_code": enterprise.industry_code or None,
        "scale": enterprise.scale or None,
        "registered_at": _time(enterprise.created_at or timezone.now()),
    }


def enterprise_verification(verification) -> dict:
    status = "closed" if verification.closed else verification.status
    return {
        "uscc": verification.uscc,
        "region_code": verification.enterprise.region_code,
        "status": status,
        "method": verification.method or None,
        "level": verification.level or None,
        "at": _time(timezone.now()),
    }


def _demand_id(application) -> str:
    return f"hub-{application.pk}"


def financing_demand(application) -> dict:
    return {
        "demand_id": _demand_id(application),
        "uscc": application.enterprise.code,
        "region_code": application.region_code,
        "amount": _money(application.amount),
        "term_months": application.term_months,
        "whitelisted": application.whitelisted,
        "posted_at": _time(application.submitted_at),
    }


def _decision(application) -> dict:
    """What a step of an application decided, by its status (amounts, terms, dates)."""
    status = application.status
    decision: dict = {"status": status, "bank_code": application.bank.code if application.bank_id else None}
    if status in ("approved", "signed", "disbursed"):
        decision["approved"] = {
            "amount": _money(application.approved_amount),
            "rate": None if application.rate is None else f"{application.rate:.4f}",
            "term_months": application.approved_term_months,
            "guarantee": application.guarantee or None,
            "first_loan": application.first_loan,
            "pure_credit": application.pure_credit,
            "renewal": application.renewal,
        }
    if status in ("signed", "disbursed"):
        decision["signed"] = {"amount": _money(application.signed_amount), "on": _day(application.signed_on)}
    if status == "disbursed":
        decision["disbursed"] = {"amount": _money(application.disbursed_amount), "on": _day(application.disbursed_on)}
    if status == "rejected":
        decision["reason_code"] = application.reason_code or "other"
    return decision


def financing_demand_outcome(application, *, national_id: str | None) -> dict:
    status = "claimed" if application.status == "accepted" else application.status
    return {
        "demand_id": national_id or _demand_id(application),
        "origin": "national" if national_id else "hub",
        "uscc": application.enterprise.code,
        "region_code": application.region_code,
        **_decision(application),
        "status": status,
        "at": _time(timezone.now()),
    }


def financing_demand_unplaced(*, national_id: str, uscc: str, region_code: str, reason: str) -> dict:
    return {
        "demand_id": national_id,
        "origin": "national",
        "uscc": uscc,
        "region_code": region_code,
        "status": "unplaced",
        "bank_code": None,
        "reason_code": reason,
        "at": _time(timezone.now()),
    }


def loan_application(application) -> dict:
    return {
        "application_id": _demand_id(application),
        "uscc": application.enterprise.code,
        "region_code": application.region_code,
        "bank_code": application.bank.code if application.bank_id else None,
        "product_id": f"hub-{application.product_id}",
        "product_category": application.category,
        "amount": _money(application.amount),
        "term_months": application.term_months,
        "whitelisted": application.whitelisted,
        "submitted_at": _time(application.submitted_at),
    }


def loan_application_decision(application) -> dict:
    return {
        "application_id": _demand_id(application),
        "uscc": application.enterprise.code,
        "region_code": application.region_code,
        **_decision(application),
        "at": _time(timezone.now()),
    }


def whitelist_publication(version) -> dict:
    whitelist = version.whitelist
    return {
        "whitelist_id": f"hub-{whitelist.pk}",
        "owner_code": whitelist.owner.code,
        "kind": whitelist.kind,
        "region_code": whitelist.region_code,
        "version": version.number,
        "entries": version.entries_count,
        "added": version.added,
        "removed": version.removed,
        "changed": version.changed,
        "entries_follow": settings.HUB_NATIONAL_WHITELIST_ENTRIES,
        "published_at": _time(version.published_at),
    }


def whitelist_entry(*, whitelist_id: int, version: int, uscc: str, name: str, recommended_amount, valid_until) -> dict:
    return {
        "whitelist_id": f"hub-{whitelist_id}",
        "version": version,
        "uscc": uscc,
        "name": name,
        "recommended_amount": _money(recommended_amount),
        "valid_until": _day(valid_until),
    }


def monthly_statistics(*, month: date, region_code: str, counters) -> dict:
    return {
        "month": month.strftime("%Y-%m"),
        "region_code": region_code,
        "applications": counters.applications,
        "accepted": counters.accepted,
        "approved": counters.approved,
        "rejected": counters.rejected,
        "signed": counters.signed,
        "disbursed": counters.disbursed,
        "disbursed_amount": _money(counters.disbursed_amount),
        "first_loans": counters.first_loans,
        "pure_credit_loans": counters.pure_credit_loans,
    }


def loan(loan, *, uscc: str, bank_code: str) -> dict:
    return {
        "loan_id": f"hub-{loan.pk}",
        "application_id": f"hub-{loan.application_id}",
        "uscc": uscc,
        "region_code": loan.region_code,
        "bank_code": bank_code,
        "product_category": loan.category,
        "amount": _money(loan.amount),
        "rate": f"{loan.rate:.4f}",
        "term_months": loan.term_months,
        "guarantee": loan.guarantee or None,
        "first_loan": loan.first_loan,
        "pure_credit": loan.pure_credit,
        "renewal": loan.renewal,
        "disbursed_on": _day(loan.disbursed_on),
        "matures_on": _day(loan.matures_on),
    }


def loan_monthly_balance(report, *, loan, uscc: str, bank_code: str) -> dict:
    return {
        "loan_id": f"hub-{loan.pk}",
        "uscc": uscc,
        "region_code": loan.region_code,
        "bank_code": bank_code,
        "month": report.month.strftime("%Y-%m"),
        "balance": _money(report.balance),
        "principal_repaid": _money(report.principal_repaid),
        "interest_repaid": _money(report.interest_repaid),
        "overdue_days": report.overdue_days,
        "status": report.status,
        "renewal_loan_id": f"hub-{report.renewal_loan_id}" if report.renewal_loan_id else None,
        "corrected": report.corrected_at is not None,
    }


# --- what the apps call ----------------------------------------------------------------------


def hub_fact_recorded(kind: str, subject) -> None:
    """The recorder of the hub's own facts (hub.facts), registered in ConnectorsConfig.ready()."""
    if not uplink_enabled():
        return
    if kind == ENTERPRISE_REGISTRATION:
        fact_record(kind, enterprise_registration(subject), occurred_at=timezone.now())
    elif kind == ENTERPRISE_VERIFICATION:
        fact_record(kind, enterprise_verification(subject), occurred_at=timezone.now())
    else:  # pragma: no cover - a kind added in hub without its builder here
        raise ValueError(f"no national fact for {kind!r}")


def application_changed(application, *, created: bool) -> None:
    """An application or open demand was submitted (``created``) or moved: the fact that says so.
    A demand the national platform posted is not reported back as a new demand, only its outcome."""
    if not uplink_enabled():
        return
    from connectors.models import NationalDemand

    now = timezone.now()
    if application.product_id is None:
        national_id = (
            NationalDemand.objects.filter(application_id=application.pk).values_list("national_id", flat=True).first()
        )
        if created:
            if national_id is None:
                fact_record(FINANCING_DEMAND, financing_demand(application), occurred_at=now)
            return
        fact_record(
            FINANCING_DEMAND_OUTCOME, financing_demand_outcome(application, national_id=national_id), occurred_at=now
        )
    elif created:
        fact_record(LOAN_APPLICATION, loan_application(application), occurred_at=now)
    else:
        fact_record(LOAN_APPLICATION_DECISION, loan_application_decision(application), occurred_at=now)


def whitelist_published(version, entries=()) -> None:
    """A whitelist version was published: its counts; its entries too when
    ``HUB_NATIONAL_WHITELIST_ENTRIES`` is on (``entries``: an iterable of PublishedEntry)."""
    if not uplink_enabled():
        return
    now = timezone.now()
    fact_record(WHITELIST_PUBLICATION, whitelist_publication(version), occurred_at=now, key=f"whitelist:{version.pk}")
    if not settings.HUB_NATIONAL_WHITELIST_ENTRIES:
        return
    chunk: list = []
    for entry in entries:
        data = whitelist_entry(
            whitelist_id=version.whitelist_id,
            version=version.number,
            uscc=entry.uscc,
            name=entry.name,
            recommended_amount=entry.recommended_amount,
            valid_until=entry.valid_until,
        )
        chunk.append((WHITELIST_ENTRY, data, now, f"whitelist-entry:{version.pk}:{entry.uscc}"))
        if len(chunk) >= 2000:
            facts_record(chunk)
            chunk = []
    facts_record(chunk)


def loan_created(loan_row) -> None:
    """A loan was made at a disbursement."""
    if not uplink_enabled():
        return
    data = loan(loan_row, uscc=loan_row.enterprise.code, bank_code=loan_row.bank.code)
    fact_record(LOAN, data, occurred_at=timezone.now(), key=f"loan:{loan_row.pk}")


def loan_reports_recorded(reports, loans: dict) -> None:
    """Monthly reports stored or corrected (``loans`` by id, as the reporting service holds them)."""
    if not uplink_enabled() or not reports:
        return
    from hub.models import Organization

    organization_ids = {loan_row.bank_id for loan_row in loans.values()} | {
        loan_row.enterprise_id for loan_row in loans.values()
    }
    codes = dict(Organization.objects.filter(pk__in=organization_ids).values_list("pk", "code"))
    now = timezone.now()
    facts = []
    for report in reports:
        loan_row = loans[report.loan_id]
        moment = report.corrected_at or report.reported_at
        facts.append(
            (
                LOAN_MONTHLY_BALANCE,
                loan_monthly_balance(
                    report, loan=loan_row, uscc=codes[loan_row.enterprise_id], bank_code=codes[loan_row.bank_id]
                ),
                now,
                f"loan-balance:{loan_row.pk}:{report.month:%Y-%m}:{int(moment.timestamp() * 1_000_000)}",
            )
        )
    facts_record(facts)
