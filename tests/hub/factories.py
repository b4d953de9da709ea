from __future__ import annotations

import factory
from django.utils import timezone

from hub.identifiers import make_uscc
from hub.models import Organization, Signer, User, Verification
from hub.services.verification import person_pseudonym

PASSWORD = "Correct-horse-9"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        skip_postgeneration_save = True

    kind = "enterprise"
    region_code = "410100"
    name = factory.Sequence(lambda n: f"测试企业{n}有限公司")
    code = factory.LazyAttributeSequence(
        lambda o, n: make_uscc(region_code=o.region_code, serial=1000 + n) if o.kind == "enterprise" else f"ORG{n:04d}"
    )
    industry_code = factory.LazyAttribute(lambda o: "I65" if o.kind == "enterprise" else "")
    scale = factory.LazyAttribute(lambda o: "small" if o.kind == "enterprise" else "")

    @factory.post_generation
    def verification(obj, create, extracted, **kwargs):
        """Enterprises are verified (by documents) unless ``verification="unverified"`` (or
        another status) is passed: most tests are about what a real enterprise does."""
        if create and obj.kind == Organization.Kind.ENTERPRISE:
            status = extracted or Verification.Status.VERIFIED
            holding = status in Verification.HOLDING
            Verification.objects.create(
                enterprise=obj,
                uscc=obj.code,
                status=status,
                method="document_review" if holding else "",
                level=Verification.Level.SUBSTANTIAL if holding else "",
                verified_at=timezone.now() if holding else None,
            )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    class Params:
        operator = factory.Trait(is_staff=True, is_superuser=True, organization=None, role="admin")

    username = factory.Sequence(lambda n: f"user{n}")
    organization = factory.SubFactory(OrganizationFactory)
    role = "staff"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()

    @factory.post_generation
    def signer(obj, create, extracted, **kwargs):
        """``signer="legal_representative"`` or ``"agent"`` gives the person that role; by
        default the first admin of a verified enterprise is its legal representative, as
        after its verification. ``signer=False``: no role (staff)."""
        if not create or extracted is False or obj.organization is None or not obj.organization.is_enterprise:
            return
        role = extracted
        if role is None:
            verified = Verification.objects.filter(enterprise=obj.organization, status=Verification.Status.VERIFIED)
            has_legal_representative = Signer.objects.filter(
                enterprise=obj.organization, role=Signer.Role.LEGAL_REPRESENTATIVE, ended_at__isnull=True
            ).exists()
            if obj.role != User.Role.ADMIN or not verified.exists() or has_legal_representative:
                return
            role = Signer.Role.LEGAL_REPRESENTATIVE
        make_signer(obj, role=role, **kwargs)


def make_signer(user: User, *, role: str = Signer.Role.LEGAL_REPRESENTATIVE, scopes=(), expires_at=None) -> Signer:
    return Signer.objects.create(
        enterprise=user.organization,
        user=user,
        role=role,
        scopes=list(scopes),
        expires_at=expires_at,
        person=person_pseudonym("user", str(user.pk)),
        source="test",
    )
