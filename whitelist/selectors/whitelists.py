"""Reads of whitelists, scoped: the owner's people, regulators over its region and the
operator read a whitelist; banks ask only whether an enterprise is listed."""

from __future__ import annotations

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.errors import Forbidden, NotFound
from hub.models import User
from hub.selectors.organizations import owned_or_in_region
from lending.models import Match
from whitelist.models import PublishedEntry, Whitelist, WhitelistImport


def whitelists_visible_to(user: User) -> QuerySet[Whitelist]:
    queryset = Whitelist.objects.select_related("owner", "current_version")
    if user.is_operator:
        return queryset
    organization = user.organization
    if organization is None:
        return queryset.none()
    return owned_or_in_region(queryset, organization, owner="owner")


def whitelist_get(*, user: User, whitelist_id: int) -> Whitelist:
    whitelist = whitelists_visible_to(user).filter(pk=whitelist_id).first()
    if whitelist is None:
        raise NotFound(_("Whitelist not found."))
    return whitelist


def import_get(*, user: User, import_id: int) -> WhitelistImport:
    whitelist_import = (
        WhitelistImport.objects.select_related("whitelist")
        .filter(pk=import_id, whitelist__in=whitelists_visible_to(user))
        .first()
    )
    if whitelist_import is None:
        raise NotFound(_("Import not found."))
    return whitelist_import


def listed_entries(uscc: str) -> QuerySet[PublishedEntry]:
    """Entries of current versions of published whitelists that list ``uscc`` and are valid today."""
    today = timezone.localdate()
    return (
        PublishedEntry.objects.filter(
            uscc=uscc,
            version__whitelist__status=Whitelist.Status.PUBLISHED,
            version__whitelist__current_version=F("version"),
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .select_related("version__whitelist__owner")
    )


def memberships_for(*, user: User, uscc: str) -> QuerySet[PublishedEntry]:
    organization = user.organization
    if not (user.is_operator or (organization is not None and organization.is_bank)):
        raise Forbidden(_("Whitelist memberships are for banks."))
    return listed_entries(uscc)


def is_whitelisted(enterprise) -> bool:
    return listed_entries(enterprise.code).exists()


def whitelist_matches(whitelist: Whitelist) -> QuerySet[Match]:
    return Match.objects.filter(
        source=Match.Source.WHITELIST,
        whitelist_entry_id__in=PublishedEntry.objects.filter(version__whitelist=whitelist).values("pk"),
    )


def coverage(whitelist: Whitelist) -> dict:
    """Listed, contacted, credit granted and amount, over the current version's entries."""
    listed = PublishedEntry.objects.filter(version_id=whitelist.current_version_id)
    matches = whitelist_matches(whitelist).filter(enterprise_code__in=listed.values("uscc"))
    totals = matches.aggregate(
        contacted=Count("enterprise_code", filter=Q(contacted_at__isnull=False), distinct=True),
        granted=Count("enterprise_code", filter=Q(signed_at__isnull=False), distinct=True),
        signed_amount=Sum("signed_amount"),
        disbursed_amount=Sum("disbursed_amount"),
    )
    return {
        "listed": listed.count(),
        "contacted": totals["contacted"],
        "credit_granted": totals["granted"],
        "signed_amount": f"{totals['signed_amount'] or 0:.2f}",
        "disbursed_amount": f"{totals['disbursed_amount'] or 0:.2f}",
        "overdue": overdue_matches(whitelist).count(),
    }


def overdue_matches(whitelist: Whitelist) -> QuerySet[Match]:
    """Entries of the current version a bank has not contacted by the deadline (none once
    the whitelist is archived)."""
    if whitelist.status == Whitelist.Status.ARCHIVED:
        return Match.objects.none()
    listed = PublishedEntry.objects.filter(version_id=whitelist.current_version_id).values("uscc")
    return (
        whitelist_matches(whitelist)
        .filter(enterprise_code__in=listed, status=Match.Status.INTENT, contact_due_at__lt=timezone.now())
        .select_related("bank")
    )
