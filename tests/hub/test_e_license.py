"""The ``e_license`` verification method: an enterprise user signs in with the electronic
business licence (电子营业执照) at a real OpenID Connect provider — the simulator, over
loopback — and the ID token's claims verify the registration, or nothing is stored."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.messages import get_messages
from django.utils import timezone

from hub.identifiers import make_uscc
from hub.models import Signer, Verification
from hub.verification import registry
from hub.verification.e_license_simulator import ProviderConfig, start_e_license_provider
from hub.verification.e_license_simulator_login import ROLE_AGENT, ROLE_LEGAL_REPRESENTATIVE, Identity
from hub.verification.methods.e_license_client import Messages as ClientMessages
from hub.verification.methods.e_license_services import Messages as ServiceMessages
from tests.hub.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

CLIENT_ID, CLIENT_SECRET = "hub-test", "provider-secret-for-tests"
USCC = make_uscc(region_code="410100", serial=7701)
OTHER_USCC = make_uscc(region_code="410100", serial=7702)
LEGAL_REPRESENTATIVE, AGENT, OTHER_ENTERPRISE = 0, 1, 2
IDENTITIES = (
    Identity(USCC, "郑州电照科技有限公司", ROLE_LEGAL_REPRESENTATIVE, "张三", "person-zhang"),
    Identity(USCC, "郑州电照科技有限公司", ROLE_AGENT, "李四", "person-li"),
    Identity(OTHER_USCC, "洛阳别家有限公司", ROLE_LEGAL_REPRESENTATIVE, "王五", "person-wang"),
)
START, CALLBACK = "/verification/e-license/", "/verification/e-license/callback/"


def _provider(settings, **options):
    provider = start_e_license_provider(
        ProviderConfig(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, identities=IDENTITIES, **options)
    )
    settings.HUB_E_LICENSE_ISSUER = provider.base_url
    settings.HUB_E_LICENSE_CLIENT_ID = CLIENT_ID
    settings.HUB_E_LICENSE_CLIENT_SECRET = CLIENT_SECRET
    return provider


@pytest.fixture
def provider(settings):
    with _provider(settings) as running:
        yield running


@pytest.fixture
def denying_provider(settings):
    with _provider(settings, deny=True) as running:
        yield running


@pytest.fixture
def unverified_enterprise(db):
    return OrganizationFactory(kind="enterprise", code=USCC, name="郑州电照科技有限公司", verification="unverified")


@pytest.fixture
def member(unverified_enterprise):
    return UserFactory(organization=unverified_enterprise, role="admin", username="ent-member", signer=False)


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


def sign_in(client, **form) -> str:
    """Start the sign-in in the hub, answer the provider's login page with ``form`` (as the
    person's browser would), and return the callback URL the provider sends the browser to."""
    start = client.get(START)
    assert start.status_code == 302
    authorize_url = start["Location"]
    query = {name: values[0] for name, values in parse_qs(urlsplit(authorize_url).query).items()}
    assert query["code_challenge_method"] == "S256" and query["code_challenge"] and query["nonce"]
    answer = requests.post(authorize_url.split("?")[0], data=query | form, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def callback(client, url: str):
    parts = urlsplit(url)
    assert parts.path == CALLBACK
    return client.get(f"{parts.path}?{parts.query}")


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def verification(enterprise) -> Verification:
    return Verification.objects.get(enterprise=enterprise)


def assert_nothing_stored(enterprise):
    assert verification(enterprise).status == Verification.Status.UNVERIFIED
    assert not Signer.objects.filter(enterprise=enterprise).exists()


# --- verification ---------------------------------------------------------------------------------


def test_the_legal_representative_s_licence_verifies_the_enterprise(
    provider, member_client, member, unverified_enterprise
):
    response = callback(member_client, sign_in(member_client, identity=str(LEGAL_REPRESENTATIVE)))

    assert response.status_code == 302 and response["Location"] == "/verification/"
    verified = verification(unverified_enterprise)
    assert (verified.status, verified.method, verified.level) == ("verified", "e_license", "high")
    signer = Signer.objects.get(enterprise=unverified_enterprise, ended_at__isnull=True)
    assert (signer.user, signer.role, signer.expires_at, signer.source) == (
        member,
        "legal_representative",
        None,
        "e_license",
    )
    assert "person-zhang" not in signer.person  # a keyed pseudonym, not the provider's subject
    assert len(messages_of(response)) == 1


def test_an_agent_named_by_the_licence_becomes_an_agent_for_a_year(
    provider, member_client, member, unverified_enterprise
):
    callback(member_client, sign_in(member_client, identity=str(AGENT)))

    assert verification(unverified_enterprise).status == Verification.Status.VERIFIED
    signer = Signer.objects.get(enterprise=unverified_enterprise, ended_at__isnull=True)
    assert (signer.user, signer.role) == (member, "agent")
    assert abs(signer.expires_at - (timezone.now() + timedelta(days=365))) < timedelta(minutes=1)
    assert signer.scopes  # every category


def test_the_same_person_gets_the_same_pseudonym_at_every_sign_in(provider, member_client, unverified_enterprise):
    callback(member_client, sign_in(member_client, identity=str(LEGAL_REPRESENTATIVE)))
    callback(member_client, sign_in(member_client, identity=str(LEGAL_REPRESENTATIVE)))

    people = Signer.objects.filter(enterprise=unverified_enterprise).values_list("person", flat=True)
    assert len(people) == 2 and len(set(people)) == 1


def test_a_typed_in_identity_verifies_too(provider, member_client, unverified_enterprise):
    url = sign_in(
        member_client, uscc=USCC, enterprise_name="郑州电照科技有限公司", role=ROLE_LEGAL_REPRESENTATIVE, name="张三"
    )
    callback(member_client, url)

    assert verification(unverified_enterprise).status == Verification.Status.VERIFIED


# --- nothing stored ------------------------------------------------------------------------------


def test_a_licence_of_another_enterprise_stores_nothing(provider, member_client, unverified_enterprise):
    response = callback(member_client, sign_in(member_client, identity=str(OTHER_ENTERPRISE)))

    assert response["Location"] == "/verification/"
    assert messages_of(response) == [ServiceMessages.USCC_MISMATCH % {"uscc": OTHER_USCC}]
    assert_nothing_stored(unverified_enterprise)


def test_a_refused_sign_in_stores_nothing(denying_provider, member_client, unverified_enterprise):
    response = callback(member_client, sign_in(member_client, identity=str(LEGAL_REPRESENTATIVE)))

    assert messages_of(response) == [str(ClientMessages.DENIED)]
    assert_nothing_stored(unverified_enterprise)


def test_cancelling_on_the_login_page_stores_nothing(provider, member_client, unverified_enterprise):
    response = callback(member_client, sign_in(member_client, action="cancel"))

    assert messages_of(response) == [str(ClientMessages.DENIED)]
    assert_nothing_stored(unverified_enterprise)


def test_a_callback_with_another_state_stores_nothing(provider, member_client, unverified_enterprise):
    url = sign_in(member_client, identity=str(LEGAL_REPRESENTATIVE))
    query = parse_qs(urlsplit(url).query)

    response = member_client.get(CALLBACK, {"code": query["code"][0], "state": "forged-state"})

    assert messages_of(response) == [str(ClientMessages.STATE)]
    assert_nothing_stored(unverified_enterprise)


def test_a_callback_in_another_session_stores_nothing(
    provider, member_client, client_factory, member, unverified_enterprise
):
    url = sign_in(member_client, identity=str(LEGAL_REPRESENTATIVE))
    # An attacker's callback URL opened in the victim's browser: the state is not its session's.
    other_browser = client_factory()
    other_browser.force_login(member)

    response = callback(other_browser, url)

    assert messages_of(response) == [str(ClientMessages.STATE)]
    assert_nothing_stored(unverified_enterprise)


def test_a_replayed_callback_stores_nothing_more(provider, member_client, unverified_enterprise):
    url = sign_in(member_client, identity=str(AGENT))
    callback(member_client, url)

    response = callback(member_client, url)

    assert messages_of(response)[-1] == str(ClientMessages.STATE)  # after the first one's success
    assert Signer.objects.filter(enterprise=unverified_enterprise).count() == 1


def test_a_tampered_code_stores_nothing(provider, member_client, unverified_enterprise):
    url = sign_in(member_client, identity=str(LEGAL_REPRESENTATIVE))
    query = parse_qs(urlsplit(url).query)

    response = member_client.get(CALLBACK, {"code": query["code"][0] + "x", "state": query["state"][0]})

    assert messages_of(response) == [str(ClientMessages.FAILED)]
    assert_nothing_stored(unverified_enterprise)


def test_a_wrong_client_secret_stores_nothing(provider, settings, member_client, unverified_enterprise):
    url = sign_in(member_client, identity=str(LEGAL_REPRESENTATIVE))
    settings.HUB_E_LICENSE_CLIENT_SECRET = "not-the-secret"

    response = callback(member_client, url)

    assert messages_of(response) == [str(ClientMessages.FAILED)]
    assert_nothing_stored(unverified_enterprise)


def test_an_unreachable_provider_is_a_message(settings, member_client, unverified_enterprise):
    provider = _provider(settings)
    provider.stop()

    response = member_client.get(START)

    assert response["Location"] == "/verification/"
    assert messages_of(response) == [str(ClientMessages.UNREACHABLE)]


def test_a_closed_registration_cannot_start(provider, member_client, unverified_enterprise):
    Verification.objects.filter(enterprise=unverified_enterprise).update(closed=True, status="rejected")

    response = member_client.get(START)

    assert response["Location"] == "/verification/"
    assert not Signer.objects.filter(enterprise=unverified_enterprise).exists()


def test_a_code_held_by_another_registration_is_a_message(provider, member_client, unverified_enterprise):
    url = sign_in(member_client, identity=str(LEGAL_REPRESENTATIVE))
    OrganizationFactory(kind="enterprise", code=USCC, name="抢先注册的公司")  # verified meanwhile

    response = callback(member_client, url)

    assert len(messages_of(response)) == 1
    assert_nothing_stored(unverified_enterprise)


# --- who may use it, and where -------------------------------------------------------------------


def test_the_method_is_not_offered_without_an_issuer(settings, member_client):
    settings.HUB_E_LICENSE_ISSUER = ""

    assert "e_license" not in [method.key for method in registry.available()]
    assert member_client.get(START).status_code == 404
    assert member_client.get(CALLBACK).status_code == 404


def test_the_method_is_offered_with_an_issuer(provider):
    assert "e_license" in [method.key for method in registry.available()]


def test_people_of_other_organizations_are_refused(provider, client, bank_officer):
    client.force_login(bank_officer)

    assert client.get(START).status_code == 403
    assert client.get(CALLBACK).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(provider, client):
    response = client.get(START)

    assert response.status_code == 302 and response["Location"].startswith("/login/")


# --- the provider itself ---------------------------------------------------------------------------


@pytest.fixture
def client_factory():
    from django.test import Client

    return Client


def test_the_provider_checks_pkce_and_spends_each_code_once(provider):
    import base64
    import hashlib

    verifier = "v" * 43
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    redirect_uri = "http://127.0.0.1:9/cb"
    authorize = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": redirect_uri,
        "scope": "openid",
        "state": "s",
        "nonce": "n",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "identity": "0",
    }

    def code():
        answer = requests.post(f"{provider.base_url}/authorize", data=authorize, allow_redirects=False, timeout=5)
        return parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]

    def token(code, **extra):
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri} | extra
        return requests.post(f"{provider.base_url}/token", data=form, auth=(CLIENT_ID, CLIENT_SECRET), timeout=5)

    assert token(code(), code_verifier="w" * 43).status_code == 400
    assert token(code(), code_verifier=verifier, redirect_uri="http://elsewhere/cb").status_code == 400
    first_code = code()
    answer = token(first_code, code_verifier=verifier)
    assert answer.status_code == 200 and answer.json()["id_token"]
    assert token(first_code, code_verifier=verifier).json()["error"] == "invalid_grant"

    # client_secret_post works as well as client_secret_basic, and the access token reads userinfo
    form = {"grant_type": "authorization_code", "code": code(), "redirect_uri": redirect_uri, "code_verifier": verifier}
    posted = requests.post(
        f"{provider.base_url}/token", data=form | {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}, timeout=5
    )
    access_token = posted.json()["access_token"]
    userinfo = requests.get(
        f"{provider.base_url}/userinfo", headers={"Authorization": f"Bearer {access_token}"}, timeout=5
    ).json()
    assert (userinfo["uscc"], userinfo["role"], userinfo["sub"]) == (USCC, ROLE_LEGAL_REPRESENTATIVE, "person-zhang")


def test_the_provider_refuses_an_unknown_client_without_redirecting(provider):
    answer = requests.get(
        f"{provider.base_url}/authorize",
        params={"client_id": "someone-else", "redirect_uri": "http://evil.example/cb", "scope": "openid"},
        allow_redirects=False,
        timeout=5,
    )

    assert answer.status_code == 400 and "Location" not in answer.headers


def test_the_wizard_offers_the_method_only_with_an_issuer(provider, settings, member_client):
    assert 'data-method="e_license"' in member_client.get("/verification/").content.decode()

    settings.HUB_E_LICENSE_ISSUER = ""

    assert 'data-method="e_license"' not in member_client.get("/verification/").content.decode()
