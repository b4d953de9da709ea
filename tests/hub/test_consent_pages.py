"""The enterprise's consent pages: grant and revoke authorizations, read the access log and
notices. Only people of the enterprise see them; nobody sees another organization's."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from connectors.services.profiles import credit_profile_read
from hub.forms import DEFAULT_VALIDITY_DAYS
from hub.models import AuditEvent, Authorization, Notification
from tests.connectors.factories import AuthorizationFactory
from tests.hub.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

CHINA = ZoneInfo("Asia/Shanghai")
ENTERPRISE_PAGES = ["/authorizations/", "/access-log/"]


def china_today():
    return timezone.now().astimezone(CHINA).date()


def grant_form(**overrides):
    form = {
        "bank": "ZYBANK",
        "scopes": ["tax", "penalty"],
        "purpose": "loan_review",
        "expires_at": (china_today() + timedelta(days=30)).isoformat(),
    }
    form.update(overrides)
    return form


# --- who may see the pages ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ENTERPRISE_PAGES + ["/notices/"])
def test_enterprise_pages_open_for_people_of_the_enterprise(logged_in, enterprise_admin, path):
    response = logged_in(enterprise_admin).get(path)

    assert response.status_code == 200


@pytest.mark.parametrize("path", ENTERPRISE_PAGES)
@pytest.mark.parametrize("persona", ["bank_officer", "regulator_user", "platform_admin", "operator"])
def test_people_of_other_kinds_are_refused_the_enterprise_pages(logged_in, request, persona, path):
    response = logged_in(request.getfixturevalue(persona)).get(path)

    assert response.status_code == 403


@pytest.mark.parametrize("path", ENTERPRISE_PAGES + ["/notices/"])
def test_the_enterprise_pages_need_a_login(client, path):
    response = client.get(path)

    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_navigation_of_an_enterprise_leads_to_its_consent_pages(logged_in, enterprise_admin):
    html = logged_in(enterprise_admin).get("/").content.decode()

    assert 'href="/authorizations/"' in html and 'href="/access-log/"' in html and 'href="/notices/"' in html
    assert 'href="/pulls/"' not in html and 'href="/connectors/"' not in html


# --- authorizations -----------------------------------------------------------------------------------


def test_the_list_shows_the_enterprises_own_authorizations_and_no_one_elses(
    logged_in, enterprise_admin, bank, outsider
):
    # given one authorization of the enterprise and one of another enterprise
    own = AuthorizationFactory(
        enterprise=enterprise_admin.organization, bank=bank, scopes=["tax"], granted_by=enterprise_admin
    )
    foreign = AuthorizationFactory(enterprise=outsider.organization, bank=bank, granted_by=outsider)

    # when the enterprise opens its authorizations
    html = logged_in(enterprise_admin).get("/authorizations/").content.decode()

    # then it sees its own, with bank and status, and not the other enterprise's
    assert f'data-authorization="{own.pk}"' in html and "中原银行" in html
    assert f'data-authorization="{foreign.pk}"' not in html
    assert 'data-status="active"' in html and 'data-testid="revoke"' in html


def test_the_bank_select_lists_active_banks_only(logged_in, enterprise_admin, bank):
    OrganizationFactory(kind="bank", code="CLOSED", name="已停业银行", is_active=False)

    html = logged_in(enterprise_admin).get("/authorizations/").content.decode()

    assert 'value="ZYBANK"' in html and 'value="CLOSED"' not in html


def test_the_expiry_defaults_to_ninety_days_ahead(logged_in, enterprise_admin, bank):
    html = logged_in(enterprise_admin).get("/authorizations/").content.decode()

    expected = (china_today() + timedelta(days=DEFAULT_VALIDITY_DAYS)).isoformat()
    assert f'type="date" name="expires_at" value="{expected}"' in html


def test_granting_through_the_form_lasts_to_the_end_of_the_chosen_day_in_china(logged_in, enterprise_admin, bank):
    # given a chosen last day
    last_day = china_today() + timedelta(days=30)

    # when the enterprise grants through the form
    response = logged_in(enterprise_admin).post(
        "/authorizations/", grant_form(expires_at=last_day.isoformat()), follow=True
    )

    # then the authorization exists, ends at 23:59:59 that day in China, and the page says so
    assert response.redirect_chain == [("/authorizations/", 302)]
    authorization = Authorization.objects.get()
    assert authorization.bank == bank and authorization.scopes == ["penalty", "tax"]
    assert authorization.purpose == "loan_review" and authorization.granted_by == enterprise_admin
    assert authorization.expires_at == datetime.combine(last_day, time(23, 59, 59), tzinfo=CHINA)
    assert f"#{authorization.pk}" in response.content.decode()
    assert AuditEvent.objects.filter(action="authorization.granted", object_id=str(authorization.pk)).exists()


def test_grant_errors_are_named_next_to_their_fields_and_nothing_typed_is_lost(logged_in, enterprise_admin, bank):
    yesterday = (china_today() - timedelta(days=1)).isoformat()

    response = logged_in(enterprise_admin).post(
        "/authorizations/", grant_form(scopes=[], expires_at=yesterday, purpose="pre_credit")
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="scopes"' in html
    assert '<option value="pre_credit" selected>' in html and '<option value="ZYBANK" selected>' in html
    assert not Authorization.objects.exists()


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"expires_at": (datetime.now(CHINA).date() - timedelta(days=1)).isoformat()}, "expires_at"),
        ({"expires_at": (datetime.now(CHINA).date() + timedelta(days=400)).isoformat()}, "expires_at"),
        ({"expires_at": "next spring"}, "expires_at"),
        ({"scopes": ["tax", "gossip"]}, "scopes"),
        ({"bank": "NOSUCH"}, "bank"),
        ({"purpose": "marketing"}, "purpose"),
    ],
)
def test_each_refused_grant_names_its_field(logged_in, enterprise_admin, bank, overrides, field):
    response = logged_in(enterprise_admin).post("/authorizations/", grant_form(**overrides))

    assert response.status_code == 400
    assert f'data-field="{field}"' in response.content.decode()
    assert not Authorization.objects.exists()


def test_the_service_refusal_of_a_too_distant_expiry_keeps_the_typed_date(logged_in, enterprise_admin, bank):
    too_far = (china_today() + timedelta(days=400)).isoformat()

    html = logged_in(enterprise_admin).post("/authorizations/", grant_form(expires_at=too_far)).content.decode()

    assert 'data-field="expires_at"' in html and f'value="{too_far}"' in html


def test_revoking_an_active_authorization_stops_it_at_once(logged_in, enterprise_admin, bank):
    authorization = AuthorizationFactory(
        enterprise=enterprise_admin.organization, bank=bank, granted_by=enterprise_admin
    )

    response = logged_in(enterprise_admin).post(f"/authorizations/{authorization.pk}/revoke/", follow=True)

    assert response.redirect_chain == [("/authorizations/", 302)]
    authorization.refresh_from_db()
    assert authorization.status == "revoked" and authorization.revoked_at is not None
    html = response.content.decode()
    assert 'data-status="revoked"' in html and 'data-testid="revoke"' not in html


def test_revoking_twice_says_the_authorization_is_no_longer_active(logged_in, enterprise_admin, bank):
    authorization = AuthorizationFactory(
        enterprise=enterprise_admin.organization, bank=bank, granted_by=enterprise_admin
    )
    client = logged_in(enterprise_admin)
    client.post(f"/authorizations/{authorization.pk}/revoke/")

    response = client.post(f"/authorizations/{authorization.pk}/revoke/", follow=True)

    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()


def test_nobody_revokes_another_enterprises_authorization(logged_in, enterprise_admin, bank, outsider):
    authorization = AuthorizationFactory(
        enterprise=enterprise_admin.organization, bank=bank, granted_by=enterprise_admin
    )

    response = logged_in(outsider).post(f"/authorizations/{authorization.pk}/revoke/")

    assert response.status_code == 404
    authorization.refresh_from_db()
    assert authorization.status == "active"


def test_revoking_needs_a_post(logged_in, enterprise_admin, bank):
    authorization = AuthorizationFactory(
        enterprise=enterprise_admin.organization, bank=bank, granted_by=enterprise_admin
    )

    assert logged_in(enterprise_admin).get(f"/authorizations/{authorization.pk}/revoke/").status_code == 405


def test_an_authorization_past_its_expiry_shows_as_expired_without_a_revoke_button(logged_in, enterprise_admin, bank):
    # given an authorization still recorded active, but past its expiry
    authorization = AuthorizationFactory(
        enterprise=enterprise_admin.organization, bank=bank, granted_by=enterprise_admin
    )
    Authorization.objects.filter(pk=authorization.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    html = logged_in(enterprise_admin).get("/authorizations/").content.decode()

    assert 'data-status="expired"' in html and 'data-testid="revoke"' not in html


def test_grants_need_the_csrf_token(enterprise_admin, bank):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(enterprise_admin)

    assert client.post("/authorizations/", grant_form()).status_code == 403
    assert not Authorization.objects.exists()


# --- access log -----------------------------------------------------------------------------------------


def test_the_access_log_shows_who_read_the_enterprises_data(logged_in, enterprise_admin, bank, bank_officer):
    # given a bank that read the enterprise's profile under an authorization
    authorization = AuthorizationFactory(
        enterprise=enterprise_admin.organization,
        bank=bank,
        scopes=["tax"],
        purpose="pre_credit",
        granted_by=enterprise_admin,
    )
    credit_profile_read(actor=bank_officer, uscc=enterprise_admin.organization.code)

    # when the enterprise opens its access log
    html = logged_in(enterprise_admin).get("/access-log/").content.decode()

    # then it sees the bank, the person, the action, the purpose and the authorization
    assert 'data-action="credit_profile.read"' in html
    assert "中原银行" in html and "bank-officer" in html and f"#{authorization.pk}" in html
    assert "Pre-credit assessment" in html or "预授信" in html


def test_another_enterprise_does_not_see_those_reads(logged_in, enterprise_admin, bank, bank_officer, outsider):
    AuthorizationFactory(enterprise=enterprise_admin.organization, bank=bank, granted_by=enterprise_admin)
    credit_profile_read(actor=bank_officer, uscc=enterprise_admin.organization.code)

    html = logged_in(outsider).get("/access-log/").content.decode()

    assert "credit_profile.read" not in html and "bank-officer" not in html
    assert 'data-testid="no-access"' in html


def test_the_access_log_pages_fifty_reads_newest_first(logged_in, enterprise_admin, bank, bank_officer):
    # given 51 reads
    AuthorizationFactory(enterprise=enterprise_admin.organization, bank=bank, granted_by=enterprise_admin)
    for _ in range(51):
        credit_profile_read(actor=bank_officer, uscc=enterprise_admin.organization.code)
    events = list(AuditEvent.objects.filter(action="credit_profile.read").order_by("-id"))
    client = logged_in(enterprise_admin)

    # when the enterprise reads the first page, then the older one
    first = client.get("/access-log/").content.decode()
    older = client.get(f"/access-log/?before={events[49].pk}").content.decode()

    # then the first holds the 50 newest and links to the rest, which holds the oldest
    assert first.count('data-action="credit_profile.read"') == 50
    assert f'href="/access-log/?before={events[49].pk}"' in first
    assert older.count('data-action="credit_profile.read"') == 1
    assert 'data-testid="older"' not in older


def test_a_malformed_page_key_is_a_bad_request(logged_in, enterprise_admin):
    assert logged_in(enterprise_admin).get("/access-log/?before=yesterday").status_code == 400


# --- notices --------------------------------------------------------------------------------------------


def notice(organization, title="信用修复提示", **fields):
    return Notification.objects.create(
        organization=organization,
        kind="credit_repair",
        title=title,
        body="您有一条行政处罚信息已满足修复条件。",
        **fields,
    )


def test_notices_show_read_and_unread_and_can_be_marked_read(logged_in, enterprise_admin):
    # given an unread and a read notice
    unread = notice(enterprise_admin.organization)
    read = notice(enterprise_admin.organization, title="政策推送", read_at=timezone.now())
    client = logged_in(enterprise_admin)

    html = client.get("/notices/").content.decode()
    assert f'data-notice="{unread.pk}" data-read="no"' in html
    assert f'data-notice="{read.pk}" data-read="yes"' in html

    # when the enterprise marks the unread one read
    response = client.post(f"/notices/{unread.pk}/read/", follow=True)

    # then it is read, and the page says so
    assert response.redirect_chain == [("/notices/", 302)]
    unread.refresh_from_db()
    assert unread.read_at is not None
    assert f'data-notice="{unread.pk}" data-read="yes"' in response.content.decode()


def test_nobody_sees_or_marks_another_organizations_notices(logged_in, enterprise_admin, outsider):
    foreign = notice(enterprise_admin.organization, title="只给本企业看的通知")
    client = logged_in(outsider)

    assert "只给本企业看的通知" not in client.get("/notices/").content.decode()
    assert client.post(f"/notices/{foreign.pk}/read/").status_code == 404
    foreign.refresh_from_db()
    assert foreign.read_at is None


def test_the_operator_reads_the_hub_operators_notices_and_no_organizations(logged_in, operator, enterprise):
    Notification.objects.create(organization=None, kind="security", title="Account operator2 locked")
    Notification.objects.create(organization=enterprise, kind="consent", title="Enterprise notice")

    html = logged_in(operator).get("/notices/").content.decode()

    assert "Account operator2 locked" in html and "Enterprise notice" not in html


def test_consent_pages_load_no_asset_from_the_internet(logged_in, enterprise_admin):
    client = logged_in(enterprise_admin)

    for path in ENTERPRISE_PAGES + ["/notices/"]:
        html = client.get(path).content.decode()
        assert "http://" not in html and "https://" not in html, path
