"""The enterprise's own signed credit report (信用报告): a signer of a verified enterprise pulls
its own records (purpose ``self``, no bank), and gets a PDF with CJK fonts embedded, a QR code
and a link to a public verification page, signed with a compact JWS over its content hash."""

import hashlib
import io
import json

import jwt
import pytest
from django.db import connection
from pypdf import PdfReader

from connectors.models import CreditPull, CreditReport
from connectors.selectors.profiles import build_profile
from hub.categories import ALL_CATEGORIES
from hub.models import AuditEvent
from tests.connectors.factories import ConnectorFactory
from tests.hub.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/credit-reports/"


@pytest.fixture
def connector(running_simulator):
    return ConnectorFactory(base_url=running_simulator.base_url, region_codes=["410000"])


def request_report(client, capture):
    with capture(execute=True):
        response = client.post(URL, {}, format="json")
    return response


@pytest.fixture
def issued(api_client_for, enterprise_admin, connector, django_capture_on_commit_callbacks):
    """A report the legal representative asked for, issued after its own pull."""
    client = api_client_for(enterprise_admin)
    response = request_report(client, django_capture_on_commit_callbacks)
    assert response.status_code == 202, response.content
    return client, client.get(f"{URL}{response.json()['id']}/").json()


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def verify_as_an_outsider(token: str, jwks: dict) -> dict:
    """What a buyer in a tender does with PyJWT alone: find the key by its id, verify."""
    header = jwt.get_unverified_header(token)
    key = next(key for key in jwks["keys"] if key["kid"] == header["kid"])
    return jwt.decode(token, jwt.PyJWK(key).key, algorithms=["EdDSA"], options={"verify_aud": False})


# --- issuing ---------------------------------------------------------------------------------------


def test_a_signer_gets_a_report_from_its_own_pull_holding_its_name_and_indicators(issued, enterprise):
    client, report = issued

    assert report["status"] == "issued"
    assert report["issued_at"] and report["withdrawn_at"] is None
    assert report["verification_url"].endswith(f"/verify/report/{report['id']}/")
    response = client.get(f"{URL}{report['id']}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = pdf_text(content)
    profile = build_profile(enterprise_id=enterprise.pk, uscc=enterprise.code, categories=list(ALL_CATEGORIES))
    assert enterprise.name in text and enterprise.code in text
    assert "近 12 个月纳税额（元）" in text
    assert profile["summary"]["tax_paid_last_12_months"] in text
    assert profile["summary"]["latest_tax_grade"] in text
    assert report["id"] in text.replace("\n", "")
    first_tax = profile["categories"]["tax"]["records"][0]
    assert first_tax["data"]["period"] in text


def test_the_report_embeds_its_cjk_font_and_carries_its_signed_content_and_signature(issued):
    client, report = issued
    content = client.get(f"{URL}{report['id']}/pdf/").content
    reader = PdfReader(io.BytesIO(content))

    fonts = [
        font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        for font in reader.pages[0]["/Resources"]["/Font"].values()
        if font.get_object().get("/Subtype") == "/Type0"
    ]
    assert fonts and all("/FontFile2" in descriptor for descriptor in fonts)  # embedded, not referenced
    attachments = reader.attachments
    assert set(attachments) >= {"report.json", "report.jws"}
    assert attachments["report.jws"][0].decode() == client.get(f"{URL}{report['id']}/jws/").content.decode()


def test_the_signature_verifies_with_pyjwt_as_an_outside_party(issued, anonymous_client, enterprise):
    client, report = issued
    token = client.get(f"{URL}{report['id']}/jws/").content.decode()
    pdf = client.get(f"{URL}{report['id']}/pdf/").content
    jwks = anonymous_client.get("/api/v1/hub/keys/").json()

    claims = verify_as_an_outsider(token, jwks)

    assert jwt.get_unverified_header(token)["typ"] == "credit-report+jwt"
    assert claims["jti"] == report["id"] and claims["sub"] == enterprise.code
    embedded = PdfReader(io.BytesIO(pdf)).attachments["report.json"][0]
    assert claims["content_sha256"] == hashlib.sha256(embedded).hexdigest() == report["content_sha256"]
    content = json.loads(embedded)
    assert content["enterprise"] == {"name": enterprise.name, "uscc": enterprise.code}
    assert content["id"] == report["id"]
    assert report["pdf_sha256"] == hashlib.sha256(pdf).hexdigest()


def test_a_forged_report_does_not_verify(issued, anonymous_client):
    client, report = issued
    token = client.get(f"{URL}{report['id']}/jws/").content.decode()
    header, payload, signature = token.split(".")
    claims = json.loads(jwt.utils.base64url_decode(payload))
    forged_payload = jwt.utils.base64url_encode(json.dumps({**claims, "content_sha256": "0" * 64}).encode()).decode()

    with pytest.raises(jwt.InvalidSignatureError):
        verify_as_an_outsider(
            f"{header}.{forged_payload}.{signature}", anonymous_client.get("/api/v1/hub/keys/").json()
        )


def test_the_own_pull_names_no_bank_and_shows_in_the_access_log_as_the_enterprises_own_read(
    issued, enterprise, enterprise_admin
):
    client, report = issued

    pull = CreditPull.objects.get(pk=report["pull"])
    assert pull.bank_id is None and pull.authorization_id is None and pull.requested_by == enterprise_admin
    assert pull.categories == list(ALL_CATEGORIES)
    started = AuditEvent.objects.get(action="credit_pull.started", object_id=pull.pk)
    assert started.organization_id == enterprise.pk and started.data["purpose"] == "self"
    assert AuditEvent.objects.filter(action="credit_report.issued", organization_id=enterprise.pk).exists()
    log = client.get(f"/api/v1/enterprises/{enterprise.code}/access-log/").json()["results"]
    own = [row for row in log if row["action"] == "credit_pull.started"]
    assert own and own[0]["organization"]["code"] == enterprise.code and own[0]["purpose"] == "self"
    assert own[0]["authorization"] is None


def test_the_platform_is_asked_with_purpose_self(issued, running_simulator):
    assert set(running_simulator.purposes_asked) == {"self"}


def test_the_report_row_stores_hashes_and_no_credit_data_in_clear(issued, enterprise):
    _client, report = issued

    pk = CreditReport.objects.get(public_id=report["id"]).pk
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {CreditReport._meta.db_table} WHERE id = %s", [pk])
        row = cursor.fetchone()
    stored = " ".join(str(value) for value in row)
    assert report["content_sha256"] in stored
    assert enterprise.name not in stored and "%PDF" not in stored and "JVBERi" not in stored  # base64 of %PDF


def test_a_failed_own_pull_fails_the_report(api_client_for, enterprise_admin, django_capture_on_commit_callbacks):
    # no connector covers the enterprise
    client = api_client_for(enterprise_admin)

    response = request_report(client, django_capture_on_commit_callbacks)

    assert response.status_code == 202
    report = client.get(f"{URL}{response.json()['id']}/").json()
    assert report["status"] == "failed" and report["error"]
    assert client.get(f"{URL}{report['id']}/pdf/").status_code == 409


# --- who may ----------------------------------------------------------------------------------------


def test_staff_who_sign_nothing_are_refused(api_client_for, enterprise, connector):
    staff = UserFactory(organization=enterprise, role="staff", signer=False)

    response = api_client_for(staff).post(URL, {}, format="json")

    assert response.status_code == 403 and response.json()["error"]["code"] == "not_a_signer"


def test_an_unverified_enterprise_is_refused(api_client_for, connector):
    unverified = OrganizationFactory(kind="enterprise", verification="unverified")
    admin = UserFactory(organization=unverified, role="admin")

    response = api_client_for(admin).post(URL, {}, format="json")

    assert response.status_code == 403 and response.json()["error"]["code"] == "enterprise_unverified"


@pytest.mark.parametrize("persona", ["bank_officer", "regulator_user", "platform_admin", "operator"])
def test_no_one_but_an_enterprise_asks_for_a_report(api_client_for, request, persona):
    response = api_client_for(request.getfixturevalue(persona)).post(URL, {}, format="json")

    assert response.status_code == 403


@pytest.mark.parametrize("suffix", ["", "pdf/", "jws/"])
def test_another_organization_gets_404(issued, api_client_for, outsider, bank_officer, suffix):
    _client, report = issued

    for persona in (outsider, bank_officer):
        assert api_client_for(persona).get(f"{URL}{report['id']}/{suffix}").status_code == 404
    assert api_client_for(outsider).post(f"{URL}{report['id']}/withdraw/").status_code == 404
    assert api_client_for(outsider).get(URL).json()["results"] == []


def test_the_list_shows_the_enterprises_reports_newest_first(issued, enterprise, django_capture_on_commit_callbacks):
    client, report = issued
    second = request_report(client, django_capture_on_commit_callbacks).json()

    assert [row["id"] for row in client.get(URL).json()["results"]] == [second["id"], report["id"]]


# --- withdrawing ------------------------------------------------------------------------------------


def test_the_enterprise_withdraws_a_report_once(issued):
    client, report = issued

    response = client.post(f"{URL}{report['id']}/withdraw/")

    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn" and response.json()["withdrawn_at"]
    assert client.post(f"{URL}{report['id']}/withdraw/").status_code == 409
    assert AuditEvent.objects.filter(action="credit_report.withdrawn", object_id=report["id"]).exists()


# --- the public verification page -------------------------------------------------------------------


def test_the_verification_page_says_authentic_and_when_and_nothing_else(issued, client, enterprise):
    _client, report = issued

    response = client.get(f"/verify/report/{report['id']}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="report-authentic"' in html
    assert 'data-testid="report-issued-at"' in html
    assert enterprise.name not in html and enterprise.code not in html


def test_the_verification_page_says_withdrawn(issued, client):
    api, report = issued
    api.post(f"{URL}{report['id']}/withdraw/")

    html = client.get(f"/verify/report/{report['id']}/").content.decode()

    assert 'data-testid="report-withdrawn"' in html and 'data-testid="report-authentic"' not in html


@pytest.mark.parametrize("report_id", ["00000000-0000-4000-8000-000000000000", "not-a-report"])
def test_the_verification_page_says_unknown(client, db, report_id):
    response = client.get(f"/verify/report/{report_id}/")

    assert response.status_code == 404
    assert 'data-testid="report-unknown"' in response.content.decode()


def test_the_verification_page_checks_an_uploaded_pdf_byte_for_byte(issued, client):
    api, report = issued
    pdf = api.get(f"{URL}{report['id']}/pdf/").content
    page = f"/verify/report/{report['id']}/"

    same = client.post(page, {"document": io.BytesIO(pdf)})
    changed = client.post(page, {"document": io.BytesIO(pdf.replace(b"%%EOF", b"%%EOF\n% changed"))})

    assert 'data-testid="document-matches"' in same.content.decode()
    assert 'data-testid="document-differs"' in changed.content.decode()


def test_an_unverified_report_is_not_yet_authentic(api_client_for, enterprise_admin, client, connector):
    # a report waiting for its pull (tasks not run)
    response = api_client_for(enterprise_admin).post(URL, {}, format="json")
    report = CreditReport.objects.get(public_id=response.json()["id"])

    html = client.get(f"/verify/report/{report.public_id}/").content.decode()

    assert report.status == "pending" and 'data-testid="report-authentic"' not in html


# --- the font ----------------------------------------------------------------------------------------


def test_without_its_font_the_hub_refuses_at_start_up_and_on_use(
    settings, tmp_path, api_client_for, enterprise_admin, connector
):
    from django.core import checks

    settings.HUB_REPORT_FONT = tmp_path / "missing.ttc"

    errors = [error for error in checks.run_checks() if error.id == "connectors.E010"]
    response = api_client_for(enterprise_admin).post(URL, {}, format="json")

    assert errors and "HUB_REPORT_FONT" in errors[0].msg
    assert response.status_code == 503 and response.json()["error"]["code"] == "report_font_missing"
    assert not CreditReport.objects.exists() and not CreditPull.objects.exists()
