"""Pages of credit pulls and profiles (banks) and of connectors (platforms, the operator),
against the reference simulator over loopback where a pull runs."""

import re

import pytest
from django.test import Client

from connectors.models import Connector, CreditPull, CreditRecord
from connectors.simulator.data import records_for
from hub.models import AuditEvent
from tests.connectors.factories import AuthorizationFactory, ConnectorFactory
from tests.hub.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def authorization(enterprise, bank, enterprise_admin):
    return AuthorizationFactory(
        enterprise=enterprise, bank=bank, scopes=["tax", "penalty", "license"], granted_by=enterprise_admin
    )


@pytest.fixture
def connector(running_simulator):
    return ConnectorFactory(name="郑州市信用平台接口", base_url=running_simulator.base_url, region_codes=["410000"])


def start_pull(client, capture, enterprise, **form):
    with capture(execute=True):
        return client.post("/pulls/", {"enterprise": enterprise.code, **form})


def progress(html):
    match = re.search(r'<progress data-testid="pull-progress" max="(\d+)" value="(\d+)"', html)
    return int(match.group(1)), int(match.group(2))


# --- who may see the pages ------------------------------------------------------------------------


def test_the_pulls_page_opens_for_bank_people(logged_in, bank_officer):
    response = logged_in(bank_officer).get("/pulls/")

    assert response.status_code == 200
    assert 'data-testid="pull-form"' in response.content.decode()


@pytest.mark.parametrize("persona", ["enterprise_admin", "regulator_user", "platform_admin", "operator"])
def test_people_who_are_no_bank_are_refused_the_pulls_page(logged_in, request, persona):
    response = logged_in(request.getfixturevalue(persona)).get("/pulls/")

    assert response.status_code == 403


@pytest.mark.parametrize("path", ["/pulls/", "/pulls/1/", "/connectors/", "/enterprises/X/profile/"])
def test_the_pages_need_a_login(client, path):
    response = client.get(path)

    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize("persona", ["platform_admin", "operator"])
def test_the_connectors_page_opens_for_platforms_and_the_operator(logged_in, request, persona):
    assert logged_in(request.getfixturevalue(persona)).get("/connectors/").status_code == 200


@pytest.mark.parametrize("persona", ["enterprise_admin", "bank_officer", "regulator_user"])
def test_others_are_refused_the_connectors_page(logged_in, request, persona):
    assert logged_in(request.getfixturevalue(persona)).get("/connectors/").status_code == 403


@pytest.mark.parametrize(
    "persona, shown, hidden",
    [
        ("bank_officer", ["/pulls/"], ["/connectors/", "/authorizations/"]),
        ("platform_admin", ["/connectors/"], ["/pulls/", "/authorizations/"]),
        ("operator", ["/connectors/"], ["/pulls/", "/authorizations/"]),
        ("regulator_user", [], ["/pulls/", "/connectors/", "/authorizations/"]),
    ],
)
def test_the_navigation_shows_the_pages_of_the_organization_kind(logged_in, request, persona, shown, hidden):
    html = logged_in(request.getfixturevalue(persona)).get("/").content.decode()

    assert all(f'href="{path}"' in html for path in shown)
    assert not any(f'href="{path}"' in html for path in hidden)


# --- credit pulls -------------------------------------------------------------------------------------


def test_a_bank_starts_a_pull_and_its_page_shows_every_source_finished(
    logged_in, bank_officer, enterprise, authorization, connector, django_capture_on_commit_callbacks
):
    # given an authorization and a connector on a running platform
    client = logged_in(bank_officer)

    # when the bank officer starts a pull for two categories
    response = start_pull(client, django_capture_on_commit_callbacks, enterprise, categories=["tax", "penalty"])

    # then the pull ran, and its page shows the source with its records and a full progress bar
    pull = CreditPull.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/pulls/{pull.pk}/"
    assert pull.categories == ["penalty", "tax"] and pull.status == "succeeded"
    html = client.get(response["Location"]).content.decode()
    expected = sum(len(records_for(enterprise.code, category, seed="tests")) for category in ["tax", "penalty"])
    assert f'data-connector="{connector.pk}"' in html and "郑州市信用平台接口" in html
    assert f'<td data-col="records" class="num">{expected}</td>' in html
    assert 'data-testid="pull-status" data-status="succeeded"' in html
    assert progress(html) == (1, 1)
    assert f'href="/enterprises/{enterprise.code}/profile/"' in html
    assert f"/api/v1/credit-pulls/{pull.pk}/" in html  # what the page polls while the pull runs


def test_without_categories_the_pull_asks_for_the_whole_authorization(
    logged_in, bank_officer, enterprise, authorization, connector, django_capture_on_commit_callbacks
):
    start_pull(logged_in(bank_officer), django_capture_on_commit_callbacks, enterprise)

    assert CreditPull.objects.get().categories == ["license", "penalty", "tax"]


def test_the_pulls_page_lists_the_banks_recent_pulls(
    logged_in, bank_officer, enterprise, authorization, connector, django_capture_on_commit_callbacks
):
    client = logged_in(bank_officer)
    start_pull(client, django_capture_on_commit_callbacks, enterprise, categories=["tax"])

    html = client.get("/pulls/").content.decode()

    assert f'data-pull="{CreditPull.objects.get().pk}"' in html and enterprise.name in html


def test_a_running_pull_shows_a_partial_progress_bar_and_no_profile_link_yet(
    logged_in, bank_officer, enterprise, authorization, running_simulator
):
    # given a pull with two sources, one finished and one still running
    first, second = (ConnectorFactory(base_url=running_simulator.base_url) for _ in range(2))
    pull = CreditPull.objects.create(
        bank=bank_officer.organization,
        enterprise=enterprise,
        authorization=authorization,
        categories=["tax"],
        requested_by=bank_officer,
        status="running",
    )
    pull.sources.create(connector=first, categories=["tax"], status="succeeded", records=12)
    pull.sources.create(connector=second, categories=["tax"], status="running")

    html = logged_in(bank_officer).get(f"/pulls/{pull.pk}/").content.decode()

    assert progress(html) == (2, 1)
    assert re.search(r'data-testid="pull-done"\s+hidden', html)
    assert 'data-testid="pull-live-hint" class="hint">' in html  # not hidden: the page keeps polling


def test_a_pull_without_an_authorization_is_refused_on_the_form(
    logged_in, bank_officer, enterprise, connector, django_capture_on_commit_callbacks
):
    response = start_pull(logged_in(bank_officer), django_capture_on_commit_callbacks, enterprise)

    assert response.status_code == 403
    html = response.content.decode()
    assert 'class="errors"' in html and f'value="{enterprise.code}"' in html
    assert not CreditPull.objects.exists()


def test_a_category_beyond_the_authorization_is_refused(
    logged_in, bank_officer, enterprise, authorization, connector, django_capture_on_commit_callbacks
):
    response = start_pull(
        logged_in(bank_officer), django_capture_on_commit_callbacks, enterprise, categories=["customs"]
    )

    assert response.status_code == 403
    assert 'name="categories" value="customs"' in response.content.decode()
    assert not CreditPull.objects.exists()


@pytest.mark.parametrize(
    "form, field",
    [
        ({"enterprise": "91410100MA0000001"}, "enterprise"),
        ({"enterprise": "91410100MA00000010"}, "enterprise"),
        ({"categories": ["gossip"]}, "categories"),
    ],
)
def test_a_malformed_pull_request_names_its_field(logged_in, bank_officer, enterprise, authorization, form, field):
    response = logged_in(bank_officer).post("/pulls/", {"enterprise": enterprise.code, **form})

    assert response.status_code == 400
    assert f'data-field="{field}"' in response.content.decode()
    assert not CreditPull.objects.exists()


def test_another_banks_pull_is_not_found(logged_in, bank_officer, enterprise, authorization, connector):
    other_bank = OrganizationFactory(kind="bank", code="OTHERBANK")
    pull = CreditPull.objects.create(
        bank=bank_officer.organization,
        enterprise=enterprise,
        authorization=authorization,
        categories=["tax"],
        requested_by=bank_officer,
    )

    response = logged_in(UserFactory(organization=other_bank)).get(f"/pulls/{pull.pk}/")

    assert response.status_code == 404


# --- credit profile -----------------------------------------------------------------------------------


def test_the_profile_shows_summary_and_records_of_the_authorized_categories(
    logged_in, bank_officer, enterprise, authorization, connector, django_capture_on_commit_callbacks
):
    # given a finished pull of tax and penalties
    client = logged_in(bank_officer)
    start_pull(client, django_capture_on_commit_callbacks, enterprise, categories=["tax", "penalty"])
    tax_record = CreditRecord.objects.filter(category="tax").order_by("-occurred_on").first()

    # when the bank officer opens the profile
    response = client.get(f"/enterprises/{enterprise.code}/profile/")

    # then the summary and the records show, only of authorized categories, and the read is logged
    assert response.status_code == 200
    html = response.content.decode()
    assert enterprise.name in html
    assert 'data-indicator="tax_paid_last_12_months"' in html
    assert 'data-category="tax"' in html
    assert f'data-source-id="{tax_record.source_id}"' in html
    assert f'<span class="key">tax_paid:</span> {tax_record.data["tax_paid"]}' in html
    if records_for(enterprise.code, "penalty", seed="tests"):
        assert 'data-category="penalty"' in html
    else:  # listed among the categories without records
        assert re.search(r'data-testid="profile-empty-categories">.*(Administrative penalties|行政处罚)', html, re.S)
    assert 'data-category="customs"' not in html and "Customs" not in html
    assert AuditEvent.objects.filter(action="credit_profile.read", organization_id=enterprise.pk).exists()


def test_the_enterprise_reads_its_own_profile(logged_in, enterprise_admin, enterprise):
    assert logged_in(enterprise_admin).get(f"/enterprises/{enterprise.code}/profile/").status_code == 200


@pytest.mark.parametrize("persona", ["bank_officer", "outsider", "regulator_user", "platform_admin", "operator"])
def test_the_profile_is_forbidden_without_an_authorization_in_force(logged_in, request, enterprise, persona):
    response = logged_in(request.getfixturevalue(persona)).get(f"/enterprises/{enterprise.code}/profile/")

    assert response.status_code == 403
    assert 'data-testid="profile-forbidden"' in response.content.decode()
    assert not AuditEvent.objects.filter(action="credit_profile.read").exists()


def test_the_profile_is_forbidden_once_revoked(logged_in, bank_officer, enterprise, authorization):
    authorization.status = "revoked"
    authorization.save()

    assert logged_in(bank_officer).get(f"/enterprises/{enterprise.code}/profile/").status_code == 403


# --- connectors -----------------------------------------------------------------------------------------


def connector_form(**overrides):
    form = {
        "name": "郑州市信用平台",
        "kind": "cdp_http_v1",
        "base_url": "https://credit.zhengzhou.example/cdp",
        "region_codes": "410100, 410300",
        "categories": ["tax", "penalty"],
        "key_id": "hub-1",
        "secret": "s3cr3t-value",
    }
    form.update(overrides)
    return form


def test_a_platform_admin_registers_a_connector_that_waits_for_approval(logged_in, platform_admin):
    response = logged_in(platform_admin).post("/connectors/", connector_form(), follow=True)

    assert response.redirect_chain == [("/connectors/", 302)]
    connector = Connector.objects.get()
    assert connector.platform == platform_admin.organization and connector.status == "pending"
    assert connector.region_codes == ["410100", "410300"] and connector.categories == ["penalty", "tax"]
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


def test_pages_load_no_asset_from_the_internet(logged_in, bank_officer):
    client = logged_in(bank_officer)

    html = client.get("/pulls/").content.decode()

    assert "http://" not in html and "https://" not in html
