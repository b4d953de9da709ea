"""The verification pages: the wizard, agents, and signing a pending authorization."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hub.models import Authorization, Signer, Verification
from tests.hub.factories import PASSWORD, OrganizationFactory, UserFactory, make_signer

pytestmark = pytest.mark.django_db


def logged_in(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_an_unverified_enterprise_sees_the_methods_and_cannot_grant(client, bank):
    enterprise = OrganizationFactory(kind="enterprise", verification="unverified")
    user = UserFactory(organization=enterprise, role="admin")
    logged_in(client, user)

    wizard = client.get("/verification/").content.decode()
    grant_page = client.get("/authorizations/").content.decode()

    assert 'data-status="unverified"' in wizard
    assert 'data-method="legal_representative"' in wizard and 'data-method="document_review"' in wizard
    assert 'data-testid="grant-unverified"' in grant_page


def test_a_closed_registration_is_told_why_and_offered_no_method(client):
    enterprise = OrganizationFactory(kind="enterprise", verification="rejected")
    Verification.objects.filter(enterprise=enterprise).update(closed=True, reason="已由另一注册持有")
    logged_in(client, UserFactory(organization=enterprise, role="admin"))

    wizard = client.get("/verification/").content.decode()

    assert "已由另一注册持有" in wizard and "data-method=" not in wizard


def test_the_legal_representative_sets_two_signers_on_the_wizard(client, enterprise, enterprise_admin):
    logged_in(client, enterprise_admin)

    response = client.post("/verification/", {"two_signers": ["tax", "social_insurance"]})

    assert response.status_code == 302
    assert Verification.objects.get(enterprise=enterprise).signers_required == {"tax": 2, "social_insurance": 2}


def test_staff_sees_no_settings_and_cannot_post_them(client, enterprise, enterprise_admin):
    staff = UserFactory(organization=enterprise, role="staff")
    logged_in(client, staff)

    assert 'data-testid="signers-required-form"' not in client.get("/verification/").content.decode()
    assert client.post("/verification/", {"two_signers": ["tax"]}).status_code == 404


def test_the_legal_representative_appoints_an_agent_on_the_page(client, enterprise, enterprise_admin):
    UserFactory(organization=enterprise, role="staff", username="clerk")
    logged_in(client, enterprise_admin)
    expires = (timezone.localtime() + timedelta(days=60)).strftime("%Y-%m-%dT%H:%M")

    response = client.post("/verification/agents/", {"username": "clerk", "scopes": ["tax"], "expires_at": expires})

    assert response.status_code == 302
    agent = Signer.objects.get(user__username="clerk", ended_at__isnull=True)
    assert (agent.role, agent.scopes) == ("agent", ["tax"])
    page = client.get("/verification/agents/").content.decode()
    assert 'data-agent="clerk"' in page
    assert client.post(f"/verification/agents/{agent.pk}/end/").status_code == 302
    assert Signer.objects.get(pk=agent.pk).ended_at is not None


def test_an_unknown_member_is_named_on_the_agent_form(client, enterprise_admin):
    logged_in(client, enterprise_admin)
    expires = (timezone.localtime() + timedelta(days=60)).strftime("%Y-%m-%dT%H:%M")

    response = client.post("/verification/agents/", {"username": "nobody", "scopes": ["tax"], "expires_at": expires})

    assert response.status_code == 400
    assert 'data-field="username"' in response.content.decode()


def test_a_second_signer_signs_on_the_authorizations_page(client, enterprise, enterprise_admin, bank):
    Verification.objects.filter(enterprise=enterprise).update(signers_required={"tax": 2})
    agent = UserFactory(organization=enterprise, role="staff", signer=False)
    make_signer(agent, role="agent", scopes=["tax"], expires_at=timezone.now() + timedelta(days=30))
    logged_in(client, enterprise_admin)
    expires = (timezone.localdate() + timedelta(days=30)).isoformat()
    client.post(
        "/authorizations/", {"bank": bank.code, "scopes": ["tax"], "purpose": "loan_review", "expires_at": expires}
    )
    authorization = Authorization.objects.get()
    assert authorization.status == "pending_signatures"
    assert 'data-testid="sign"' not in client.get("/authorizations/").content.decode()  # signed already
    client.logout()
    logged_in(client, agent)

    assert 'data-testid="sign"' in client.get("/authorizations/").content.decode()
    client.post(f"/authorizations/{authorization.pk}/sign/")

    authorization.refresh_from_db()
    assert authorization.status == "active" and authorization.receipt


def test_other_kinds_of_organization_have_no_wizard(client, bank_officer):
    logged_in(client, bank_officer)

    assert client.get("/verification/").status_code == 403
