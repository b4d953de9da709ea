from __future__ import annotations

from datetime import timedelta

import factory
from django.db import transaction
from django.utils import timezone

from connectors.models import Connector
from hub.categories import ALL_CATEGORIES
from hub.models import Authorization, AuthorizationSignature
from hub.services.consent import receipt_issue
from hub.services.verification import verification_of
from tests.hub.factories import OrganizationFactory, UserFactory

SECRET = "simulator-shared-secret"


class ConnectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Connector

    platform = factory.SubFactory(OrganizationFactory, kind="platform")
    name = factory.Sequence(lambda n: f"信用平台{n}")
    kind = "cdp_http_v1"
    base_url = "http://127.0.0.1:9"
    region_codes = ["410100"]
    categories = factory.LazyFunction(lambda: list(ALL_CATEGORIES))
    key_id = "hub"
    secret = SECRET
    status = Connector.Status.ACTIVE


class AuthorizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Authorization
        skip_postgeneration_save = True

    enterprise = factory.SubFactory(OrganizationFactory, kind="enterprise")
    bank = factory.SubFactory(OrganizationFactory, kind="bank")
    scopes = factory.LazyFunction(lambda: list(ALL_CATEGORIES))
    purpose = "loan_review"
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    granted_by = factory.LazyAttribute(lambda o: UserFactory(organization=o.enterprise))
    receipt = ""

    @factory.post_generation
    def _sign(obj, create, extracted, **kwargs):
        if create:
            with transaction.atomic():
                AuthorizationSignature.objects.create(
                    authorization=obj,
                    user=obj.granted_by,
                    role="legal_representative",
                    person=f"test-{obj.granted_by_id}",
                )
                receipt_issue(obj, verification_of(obj.enterprise))
