"""Policy push has a page and a history: compose, target, send, see the reach."""

import pytest

from hub.models import Notification
from tests.hub.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_regulator_sends_a_policy_from_the_page_and_sees_its_reach(
    client, regulator_user, enterprise, django_capture_on_commit_callbacks
):
    OrganizationFactory(kind="enterprise", region_code="410105", scale="large")
    client.force_login(regulator_user)

    with django_capture_on_commit_callbacks(execute=True):  # the push runs after the commit
        response = client.post(
            "/policies/",
            {"title": "稳岗贷款贴息", "body": "小微企业可申请贴息。", "region_codes": "410100", "scales": ["small"]},
        )

    assert response.status_code == 302
    assert Notification.objects.filter(kind="policy").count() == 1  # the small one, not the large one
    page = client.get("/policies/").content.decode()
    assert "稳岗贷款贴息" in page and 'data-testid="policy-recipients">1<' in page


def test_a_target_outside_the_region_is_refused_on_the_form(client, regulator_user):
    client.force_login(regulator_user)

    response = client.post("/policies/", {"title": "x", "body": "y", "region_codes": "110100"})

    assert response.status_code == 400 and "410000" in response.content.decode()


def test_the_api_lists_what_the_organization_sent_and_no_one_elses(
    api_client_for, regulator_user, enterprise, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        api_client_for(regulator_user).post("/api/v1/policies/", {"title": "政策", "body": "正文"}, format="json")
    other = UserFactory(organization=OrganizationFactory(kind="regulator", region_code="410300"))

    mine = api_client_for(regulator_user).get("/api/v1/policies/").json()
    theirs = api_client_for(other).get("/api/v1/policies/").json()

    assert [policy["title"] for policy in mine["results"]] == ["政策"] and mine["results"][0]["recipients"] == 1
    assert theirs == {"results": [], "next": None}


def test_banks_and_enterprises_have_no_policy_page(client, bank_officer):
    client.force_login(bank_officer)

    assert client.get("/policies/").status_code == 403
