"""Connector pages: platforms register, the operator approves, everyone sees health."""

import pytest
from django.test import Client

from connectors.models import Connector
from tests.connectors.factories import ConnectorFactory
from tests.connectors.pages.helpers import connector_form
from tests.hub.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", ["platform_admin", "operator"])
def test_the_connectors_page_opens_for_platforms_and_the_operator(logged_in, request, persona):
    assert logged_in(request.getfixturevalue(persona)).get("/connectors/").status_code == 200


@pytest.mark.parametrize("persona", ["enterprise_admin", "bank_officer", "regulator_user"])
def test_others_are_refused_the_connectors_page(logged_in, request, persona):
    assert logged_in(request.getfixturevalue(persona)).get("/connectors/").status_code == 403


def test_a_platform_admin_registers_a_connector_that_waits_for_approval(logged_in, platform_admin):
    response = logged_in(platform_admin).post("/connectors/", connector_form(), follow=True)

    assert response.redirect_chain == [("/connectors/", 302)]
    connector = Connector.objects.get()
    assert connector.platform == platform_admin.organization and connector.status == "pending"
    assert connector.region_codes == ["410100", "410102"] and connector.categories == ["penalty", "tax"]
    assert connector.secret == "s3cr3t-value"
    html = response.content.decode()
    assert f'data-connector="{connector.pk}" data-status="pending"' in html
    assert "s3cr3t-value" not in html


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"kind": "ftp"}, "kind"),
        ({"base_url": "http://credit.example.com"}, "base_url"),
        ({"region_codes": ""}, "region_codes"),
        ({"region_codes": "410100 990100"}, "region_codes"),
        ({"categories": []}, "categories"),
        ({"secret": ""}, "secret"),
    ],
)
def test_each_refused_registration_names_its_field_and_never_echoes_the_secret(
    logged_in, platform_admin, overrides, field
):
    response = logged_in(platform_admin).post("/connectors/", connector_form(**overrides))

    assert response.status_code == 400
    html = response.content.decode()
    assert f'data-field="{field}"' in html
    assert "s3cr3t-value" not in html
    assert 'value="https://credit.zhengzhou.example/cdp"' in html or field == "base_url"  # what was typed stays
    assert not Connector.objects.exists()


def test_platform_staff_see_their_connectors_but_may_not_register(logged_in, platform_admin):
    staff = UserFactory(organization=platform_admin.organization, role="staff")
    client = logged_in(staff)

    assert 'data-testid="connector-form"' not in client.get("/connectors/").content.decode()
    assert client.post("/connectors/", connector_form()).status_code == 403
    assert not Connector.objects.exists()


def test_a_platform_sees_its_own_connectors_with_their_health_and_no_one_elses(logged_in, platform_admin):
    own = ConnectorFactory(
        platform=platform_admin.organization,
        name="本平台接口",
        health_state="unhealthy",
        health_failures=3,
        health_detail="unavailable: 503",
    )
    foreign = ConnectorFactory(name="别的平台接口")

    html = logged_in(platform_admin).get("/connectors/").content.decode()

    assert f'data-connector="{own.pk}"' in html and f'data-connector="{foreign.pk}"' not in html
    assert 'data-health="unhealthy"' in html and "unavailable: 503" in html
    assert 'data-testid="approve"' not in html and 'data-testid="suspend"' not in html
    assert own.secret not in html


def test_the_operator_sees_every_connector_and_approves_a_pending_one(logged_in, operator):
    # given connectors of two platforms, one pending
    pending = ConnectorFactory(status="pending")
    active = ConnectorFactory()
    client = logged_in(operator)
    html = client.get("/connectors/").content.decode()
    assert f'data-connector="{pending.pk}"' in html and f'data-connector="{active.pk}"' in html

    # when the operator approves the pending one
    response = client.post(f"/connectors/{pending.pk}/approve/", follow=True)

    # then it is active, and the page says so
    assert response.redirect_chain == [("/connectors/", 302)]
    pending.refresh_from_db()
    assert pending.status == "active" and pending.approved_at is not None
    assert f'data-connector="{pending.pk}" data-status="active"' in response.content.decode()


def test_the_operator_suspends_an_active_connector(logged_in, operator):
    connector = ConnectorFactory()

    logged_in(operator).post(f"/connectors/{connector.pk}/suspend/")

    connector.refresh_from_db()
    assert connector.status == "suspended"


def test_approving_an_active_connector_says_it_does_not_apply(logged_in, operator):
    connector = ConnectorFactory()

    response = logged_in(operator).post(f"/connectors/{connector.pk}/approve/", follow=True)

    assert 'class="error"' in response.content.decode()


def test_only_the_operator_approves(logged_in, platform_admin):
    connector = ConnectorFactory(platform=platform_admin.organization, status="pending")

    response = logged_in(platform_admin).post(f"/connectors/{connector.pk}/approve/")

    assert response.status_code == 403
    connector.refresh_from_db()
    assert connector.status == "pending"


def test_approving_an_unknown_connector_is_not_found(logged_in, operator):
    assert logged_in(operator).post("/connectors/999999/approve/").status_code == 404


def test_approving_needs_the_csrf_token(operator):
    connector = ConnectorFactory(status="pending")
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)

    assert client.post(f"/connectors/{connector.pk}/approve/").status_code == 403
    connector.refresh_from_db()
    assert connector.status == "pending"
