"""Reading disputes: who sees which (the enterprise its own, a platform its queue, the
operator all), and the statistics regulators read per platform, scoped to their region."""

from __future__ import annotations

from collections import defaultdict
from statistics import median

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from connectors.models import Dispute
from hub.errors import Forbidden, NotFound
from hub.identifiers import region_covers
from hub.models import User


class Messages:
    NOT_FOUND = _("Dispute not found.")
    STATISTICS_ONLY = _("Only regulators and the hub operator read dispute statistics.")


def disputes_visible_to(user: User, *, filters: dict | None = None) -> QuerySet[Dispute]:
    """The enterprise's own disputes; a platform's disputes of its connectors (its queue);
    every dispute for the operator; none for anyone else. ``filters``: ``status``, ``route``."""
    disputes = Dispute.objects.select_related("enterprise", "connector", "connector__platform").prefetch_related(
        "evidence"
    )
    organization = user.organization
    if user.is_operator:
        pass
    elif organization is not None and organization.is_enterprise:
        disputes = disputes.filter(enterprise=organization)
    elif organization is not None and organization.is_platform:
        disputes = disputes.filter(connector__platform=organization, route=Dispute.Route.PLATFORM)
    else:
        return Dispute.objects.none()
    for name in ("status", "route"):
        if (filters or {}).get(name):
            disputes = disputes.filter(**{name: filters[name]})
    return disputes.order_by("-id")


def dispute_get(*, user: User, dispute_id: int) -> Dispute:
    dispute = disputes_visible_to(user).filter(pk=dispute_id).first()
    if dispute is None:
        raise NotFound(Messages.NOT_FOUND)
    return dispute


def dispute_statistics(*, user: User) -> list[dict]:
    """Per platform: disputes by status, how many are overdue, and the median days from filing
    to the answer; a regulator counts the enterprises of its region only."""
    organization = user.organization
    if not (user.is_operator or (organization is not None and organization.is_regulator)):
        raise Forbidden(Messages.STATISTICS_ONLY)
    rows = Dispute.objects.values_list(
        "connector__platform__code",
        "connector__platform__name",
        "enterprise__region_code",
        "status",
        "filed_at",
        "resolved_at",
        "due_on",
    )
    today = timezone.localdate()
    platforms: dict[tuple[str, str], dict] = {}
    days: dict[tuple[str, str], list[float]] = defaultdict(list)
    for code, name, region_code, status, filed_at, resolved_at, due_on in rows:
        if not user.is_operator and not region_covers([organization.region_code], region_code):
            continue
        entry = platforms.setdefault(
            (code, name),
            {
                "platform": code,
                "platform_name": name,
                "total": 0,
                "by_status": {value: 0 for value in Dispute.Status.values},
                "overdue": 0,
            },
        )
        entry["total"] += 1
        entry["by_status"][status] += 1
        if status in Dispute.OPEN and due_on < today:
            entry["overdue"] += 1
        if resolved_at is not None:
            days[(code, name)].append((resolved_at - filed_at).total_seconds() / 86400)
    return [
        {**entry, "median_days_to_resolve": round(median(days[key]), 1) if days[key] else None}
        for key, entry in sorted(platforms.items())
    ]
