"""Reads of organizations and people, scoped to what the caller may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from hub.errors import NotFound
from hub.identifiers import region_prefix
from hub.models import Organization, User
from hub.selectors.consent import bank_has_authorization_in_force
from hub.selectors.verification import enterprise_registration


def organizations_visible_to(user: User) -> QuerySet[Organization]:
    """The operator sees every organization; anyone else only their own."""
    if user.is_operator:
        return Organization.objects.all()
    return Organization.objects.filter(pk=user.organization_id)


def organization_get(*, user: User, organization_id: int) -> Organization:
    organization = organizations_visible_to(user).filter(pk=organization_id).first()
    if organization is None:
        raise NotFound(_("Organization not found."))
    return organization


def enterprise_get(*, user, uscc: str) -> Organization:
    """The enterprise itself, a bank it authorized (in force now) and the hub operator may
    read it; everyone else gets 404, as if it did not exist. ``uscc`` means the caller's own
    registration for the enterprise's people, the code's holder for everyone else."""
    enterprise = enterprise_registration(user=user, uscc=uscc) if user.is_authenticated else None
    if enterprise is None or not user.is_authenticated or not _may_read_enterprise(user, enterprise):
        raise NotFound(_("Enterprise not found."))
    return enterprise


def _may_read_enterprise(user: User, enterprise: Organization) -> bool:
    if user.is_operator or user.organization_id == enterprise.pk:
        return True
    organization = user.organization
    return (
        organization is not None
        and organization.is_bank
        and bank_has_authorization_in_force(bank_id=organization.pk, enterprise_id=enterprise.pk)
    )


def members_of(*, user: User, organization_id: int) -> QuerySet[User]:
    organization = organization_get(user=user, organization_id=organization_id)
    return organization.members.order_by("-id")


def member_get(*, user: User, member_id: int) -> User:
    """A person of the caller's organization (anyone, for the operator). Raises NotFound."""
    if user.is_operator:
        people = User.objects.all()
    elif user.organization_id is not None:
        people = User.objects.filter(organization_id=user.organization_id)
    else:
        people = User.objects.none()
    member = people.filter(pk=member_id).first()
    if member is None:
        raise NotFound(_("Person not found."))
    return member


def active_bank_choices() -> list[tuple[str, str]]:
    """(code, "name (code)") of every active bank: whom an enterprise may authorize."""
    banks = Organization.objects.filter(kind=Organization.Kind.BANK, is_active=True).order_by("name", "code")
    return [(code, f"{name} ({code})") for code, name in banks.values_list("code", "name")]


def owned_or_in_region(queryset: QuerySet, organization: Organization, *, owner: str, region: str = "region_code"):
    """What a regulator or a city platform sees of the things such organizations own (events,
    whitelists): a regulator its own and everything in its region, a platform its own. Other
    kinds see none of them here; their selector says what else they see."""
    if organization.is_regulator:
        return queryset.filter(
            Q(**{owner: organization}) | Q(**{f"{region}__startswith": region_prefix(organization.region_code)})
        )
    if organization.is_platform:
        return queryset.filter(**{owner: organization})
    return queryset.none()
