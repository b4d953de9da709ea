from __future__ import annotations

import factory

from hub.identifiers import make_uscc
from hub.models import Organization, User

PASSWORD = "Correct-horse-9"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    kind = "enterprise"
    region_code = "410100"
    name = factory.Sequence(lambda n: f"测试企业{n}有限公司")
    code = factory.LazyAttributeSequence(
        lambda o, n: make_uscc(region_code=o.region_code, serial=1000 + n) if o.kind == "enterprise" else f"ORG{n:04d}"
    )
    industry_code = factory.LazyAttribute(lambda o: "I65" if o.kind == "enterprise" else "")
    scale = factory.LazyAttribute(lambda o: "small" if o.kind == "enterprise" else "")


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
