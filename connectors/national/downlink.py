"""Taking the national platform's financing demands down (docs/national-uplink.md, "Downlink").

The national platform lists the demands posted for enterprises of the province behind a
cursor. Each page is taken in one transaction with the cursor that follows it, so a demand
is placed once however often a page is asked for (a demand already known is skipped). The
placing itself is lending's: this app may not import it, so lending registers its receiver
here in its AppConfig.ready(). A demand the hub cannot place (its enterprise is not a
verified enterprise of the hub) is kept as unplaced, and the uplink reports that outcome.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from connectors.base import ConnectorError
from connectors.models import NationalDemand, NationalLink
from connectors.national import facts
from connectors.national.client import NationalClient
from hub.identifiers import region_covers, uscc_errors
from hub.models import Organization, User

logger = logging.getLogger(__name__)
MAX_PAGES = 50


@dataclass(frozen=True)
class IncomingDemand:
    national_id: str
    uscc: str
    region_code: str
    amount: Decimal
    term_months: int


class Placement:
    """What a receiver answers: the application it opened, or why it could not."""

    def __init__(self, *, application_id: int | None = None, reason: str = ""):
        self.application_id, self.reason = application_id, reason


_receivers: list[Callable[[IncomingDemand], Placement]] = []

NATIONAL_PLATFORM_CODE = "CN-NATIONAL"
NATIONAL_PLATFORM_NAME = "全国中小企业融资综合信用服务平台"
NATIONAL_PLATFORM_USERNAME = "national-platform"


def national_platform_account() -> User:
    """The national platform as the hub knows it: a platform organization (under which the
    operator may also register it as a CDP/1 connector for the categories it serves) and an
    account that signs nothing in, named on the timeline of the demands it posted."""
    platform, _ = Organization.objects.get_or_create(
        kind=Organization.Kind.PLATFORM,
        code=NATIONAL_PLATFORM_CODE,
        defaults={"name": NATIONAL_PLATFORM_NAME, "region_code": settings.HUB_NATIONAL_REGION_CODE},
    )
    user, created = User.objects.get_or_create(
        username=NATIONAL_PLATFORM_USERNAME, defaults={"organization": platform, "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def register_demand_receiver(receiver: Callable[[IncomingDemand], Placement]) -> None:
    _receivers[:] = [receiver]


def parse_demand(item) -> IncomingDemand | None:
    """A demand of the national page, or None when it breaks the schema (skipped and logged)."""
    if not isinstance(item, dict):
        return None
    national_id, uscc, region = item.get("demand_id"), item.get("uscc"), item.get("region_code")
    term = item.get("term_months")
    try:
        amount = Decimal(item.get("amount"))
    except (InvalidOperation, TypeError, ValueError):
        return None
    if not (isinstance(national_id, str) and 0 < len(national_id) <= 64):
        return None
    if not isinstance(uscc, str) or uscc_errors(uscc) or not (isinstance(region, str) and len(region) == 6):
        return None
    if not (isinstance(term, int) and 1 <= term <= 600) or not amount.is_finite() or amount <= 0:
        return None
    return IncomingDemand(national_id, uscc, region, amount.quantize(Decimal("0.01")), term)


def national_demands_pull(*, client: NationalClient | None = None, max_pages: int = MAX_PAGES) -> int:
    """Take the pages after the stored cursor; returns how many new demands were received."""
    if not (facts.uplink_enabled() and settings.HUB_NATIONAL_DOWNLINK) or NationalLink.get().paused:
        return 0
    own_client = client is None
    client = client or NationalClient.from_settings()
    received = 0
    try:
        for _page in range(max_pages):
            cursor = NationalLink.get().demands_cursor or None
            try:
                payload = client.demands(region_code=settings.HUB_NATIONAL_REGION_CODE, cursor=cursor)
            except ConnectorError as error:
                NationalLink.objects.filter(pk=1).update(demands_error=f"{error.code}: {error}"[:300])
                return received
            items, next_cursor = payload.get("demands"), payload.get("next_cursor")
            if not isinstance(items, list) or not isinstance(next_cursor, str):
                NationalLink.objects.filter(pk=1).update(demands_error="bad_response: no demands list or cursor")
                return received
            received += _take_page(items, next_cursor)
            if payload.get("more") is not True:
                break
    finally:
        if own_client:
            client.close()
    return received


@transaction.atomic
def _take_page(items: list, cursor: str) -> int:
    link = NationalLink.get(lock=True)
    received = 0
    for item in items:
        demand = parse_demand(item)
        if demand is None:
            logger.warning("national demand skipped: it breaks the schema")
            continue
        if NationalDemand.objects.filter(national_id=demand.national_id).exists():
            continue
        received += 1
        _place(demand)
    link.demands_cursor = cursor
    link.demands_pulled_at, link.demands_error = timezone.now(), ""
    link.save(update_fields=["demands_cursor", "demands_pulled_at", "demands_error"])
    return received


def _place(demand: IncomingDemand) -> None:
    if not region_covers([settings.HUB_NATIONAL_REGION_CODE], demand.region_code):
        placement = Placement(reason="outside_province")
    elif not _receivers:
        placement = Placement(reason="not_accepted")
    else:
        with transaction.atomic():
            placement = _receivers[0](demand)
    if placement.application_id is not None:
        return  # the receiver recorded its NationalDemand with the application it opened
    NationalDemand.objects.create(
        national_id=demand.national_id,
        uscc=demand.uscc,
        region_code=demand.region_code,
        status=NationalDemand.Status.UNPLACED,
        reason=placement.reason,
    )
    facts.fact_record(
        facts.FINANCING_DEMAND_OUTCOME,
        facts.financing_demand_unplaced(
            national_id=demand.national_id, uscc=demand.uscc, region_code=demand.region_code, reason=placement.reason
        ),
        occurred_at=timezone.now(),
        key=f"demand-unplaced:{demand.national_id}",
    )
