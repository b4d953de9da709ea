"""Pages of credit pulls and profiles (banks), and who may open them."""

import re

import pytest
from django.utils import translation

from connectors.models import CreditPull, CreditRecord
from connectors.record_keys import category_key
from connectors.simulator.data import records_for
from hub.models import AuditEvent
from hub.web.formats import money
from tests.connectors.factories import ConnectorFactory
from tests.connectors.pages.helpers import progress, start_pull
from tests.hub.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


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


def test_the_profile_shows_summary_and_records_of_the_authorized_categories(
    logged_in, bank_officer, enterprise, authorization, connector, django_capture_on_commit_callbacks
):
    # given a finished pull of tax and penalties
    client = logged_in(bank_officer)
    start_pull(client, django_capture_on_commit_callbacks, enterprise, categories=["tax", "penalty"])
    tax_record = (
        CreditRecord.objects.filter(category_key=category_key(enterprise.pk, "tax")).order_by("-occurred_on").first()
    )

    # when the bank officer opens the profile
    response = client.get(f"/enterprises/{enterprise.code}/profile/")

    # then the summary and the records show, only of authorized categories, and the read is logged
    assert response.status_code == 200
    html = response.content.decode()
    assert enterprise.name in html
    assert 'data-indicator="tax_paid_last_12_months"' in html
    assert 'data-category="tax"' in html
    assert f'data-source-id="{tax_record.source_id}"' in html
    # A table with labelled columns, money written for people: no raw keys.
    assert '<th data-field="tax_paid">' in html and "tax_paid:" not in html
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        assert f"<td>{money(tax_record.data['tax_paid'])}</td>" in html
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


def test_pages_load_no_asset_from_the_internet(logged_in, bank_officer):
    client = logged_in(bank_officer)

    html = client.get("/pulls/").content.decode()

    assert "http://" not in html and "https://" not in html
