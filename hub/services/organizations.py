"""Writes for organizations and their people."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from hub import audit
from hub.errors import Conflict, Forbidden, InvalidInput
from hub.facts import ENTERPRISE_REGISTRATION, fact_report
from hub.identifiers import uscc_errors
from hub.models import Organization, User, Verification

ID_NUMBER_INDEX = "organization.legal_representative_id_number"


class Messages:
    USCC_TAKEN = _("An enterprise with this unified social credit code is already registered and verified.")
    CODE_TAKEN = _("An organization of this kind with this code already exists.")
    USERNAME_TAKEN = _("This username is already taken.")
    OPERATOR_ONLY = _("Only the hub operator can create organizations.")
    ADMIN_ONLY = _("Only an administrator of this organization can add people to it.")
    ENTERPRISE_KIND = _("Enterprises register themselves; create banks, regulators and platforms here.")


def _check_password(password: str, username: str, field: str) -> None:
    try:
        validate_password(password, user=User(username=username))
    except ValidationError as error:
        raise InvalidInput(_("The password is too weak."), fields={field: error.messages}) from None


def _create_user(*, organization: Organization | None, username: str, password: str, role: str, field: str) -> User:
    if User.objects.filter(username=username).exists():
        raise Conflict(Messages.USERNAME_TAKEN, fields={field: [Messages.USERNAME_TAKEN]})
    try:
        with transaction.atomic():
            return User.objects.create_user(username=username, password=password, organization=organization, role=role)
    except IntegrityError:
        raise Conflict(Messages.USERNAME_TAKEN, fields={field: [Messages.USERNAME_TAKEN]}) from None


def _insert_organization(organization: Organization, *, code_field: str, taken_message) -> Organization:
    if Organization.objects.filter(kind=organization.kind, code=organization.code).exists():
        raise Conflict(taken_message, fields={code_field: [taken_message]})
    try:
        with transaction.atomic():
            organization.save(force_insert=True)
    except IntegrityError:
        # Lost a race with a concurrent registration of the same code.
        raise Conflict(taken_message, fields={code_field: [taken_message]}) from None
    return organization


@transaction.atomic
def enterprise_register(
    *,
    uscc: str,
    name: str,
    region_code: str,
    industry_code: str,
    scale: str,
    admin_username: str,
    admin_password: str,
    contact_phone: str = "",
) -> Organization:
    """An enterprise registers itself with its USCC and a first admin user. The registration
    is unverified: it owns nothing until a verification method proves who it is, so several
    registrations of one code may wait side by side — but not beside a verified holder.

    Raises InvalidInput (bad USCC, weak password) or Conflict (USCC held, username taken).
    """
    errors = uscc_errors(uscc)
    if errors:
        raise InvalidInput(errors[0], fields={"uscc": errors})
    _check_password(admin_password, admin_username, "admin.password")
    if Verification.objects.filter(uscc=uscc, status__in=Verification.HOLDING).exists():
        raise Conflict(Messages.USCC_TAKEN, fields={"uscc": [Messages.USCC_TAKEN]}, code="uscc_held")
    enterprise = Organization.objects.create(
        kind=Organization.Kind.ENTERPRISE,
        code=uscc,
        name=name,
        region_code=region_code,
        industry_code=industry_code,
        scale=scale,
        contact_phone=contact_phone,
    )
    Verification.objects.create(enterprise=enterprise, uscc=uscc)
    admin = _create_user(
        organization=enterprise,
        username=admin_username,
        password=admin_password,
        role=User.Role.ADMIN,
        field="admin.username",
    )
    audit.enterprise_registered(enterprise=enterprise, admin=admin)
    fact_report(ENTERPRISE_REGISTRATION, enterprise)
    return enterprise


@transaction.atomic
def organization_create(
    *, actor: User, kind: str, code: str, name: str, region_code: str, admin_username: str, admin_password: str
) -> Organization:
    """The hub operator creates a bank, regulator or city platform with its first admin.

    Raises Forbidden (not the operator), InvalidInput or Conflict (code or username taken).
    """
    if not actor.is_operator:
        raise Forbidden(Messages.OPERATOR_ONLY)
    if kind == Organization.Kind.ENTERPRISE:
        raise InvalidInput(Messages.ENTERPRISE_KIND, fields={"kind": [Messages.ENTERPRISE_KIND]})
    _check_password(admin_password, admin_username, "admin.password")
    organization = _insert_organization(
        Organization(kind=kind, code=code, name=name, region_code=region_code),
        code_field="code",
        taken_message=Messages.CODE_TAKEN,
    )
    admin = _create_user(
        organization=organization,
        username=admin_username,
        password=admin_password,
        role=User.Role.ADMIN,
        field="admin.username",
    )
    audit.organization_created(organization=organization, admin=admin, actor=actor)
    return organization


@transaction.atomic
def member_add(*, actor: User, organization: Organization, username: str, password: str, role: str) -> User:
    """An organization's admin adds a person to it. Raises Forbidden, InvalidInput, Conflict."""
    if not (actor.is_operator or (actor.is_organization_admin and actor.organization_id == organization.pk)):
        raise Forbidden(Messages.ADMIN_ONLY)
    _check_password(password, username, "password")
    member = _create_user(organization=organization, username=username, password=password, role=role, field="username")
    audit.member_added(member=member, actor=actor)
    return member
