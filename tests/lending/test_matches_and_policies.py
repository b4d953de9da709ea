"""Matchmaking events with their intents followed up to disbursement; policy push."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hub.identifiers import make_uscc
from hub.models import AuditEvent, Notification
from lending.models import Match, Policy
from lending.services.policies import policy_push
from tests.hub.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(api_client_for, platform_admin):
    body = {"title": "2026年郑州市政银企对接会", "region_code": "410100", "held_on": "2026-11-20"}
    return api_client_for(platform_admin).post("/api/v1/matchmaking-events/", body, format="json").json()


def test_a_platform_records_intents_that_banks_follow_up_to_disbursement(
    api_client_for, platform_admin, bank_officer, enterprise, event
):
    intent = api_client_for(platform_admin).post(
        f"/api/v1/matchmaking-events/{event['id']}/intents/",
        {"bank": "ZYBANK", "enterprise": enterprise.code, "amount": "2000000.00", "category": "tech"},
        format="json",
    )
    assert intent.status_code == 201 and intent.json()["status"] == "intent" and intent.json()["source"] == "event"
    assert intent.json()["enterprise"] == enterprise.code
    client = api_client_for(bank_officer)
    progress = f"/api/v1/matches/{intent.json()['id']}/progress/"

    assert client.post(progress, {"status": "contacted"}, format="json").json()["status"] == "contacted"
    assert client.post(progress, {"status": "signed"}, format="json").status_code == 400  # amount needed
    assert (
        client.post(progress, {"status": "signed", "amount": "1500000.00"}, format="json").json()["status"] == "signed"
    )
    assert client.post(progress, {"status": "contacted"}, format="json").status_code == 409
    done = client.post(progress, {"status": "disbursed", "amount": "1500000.00"}, format="json").json()

    assert (done["status"], done["disbursed_amount"]) == ("disbursed", "1500000.00")
    assert AuditEvent.objects.filter(object_type="match", object_id=str(done["id"])).count() == 4


def test_a_failed_match_needs_a_reason(api_client_for, platform_admin, bank_officer, enterprise, event):
    match_id = (
        api_client_for(platform_admin)
        .post(
            f"/api/v1/matchmaking-events/{event['id']}/intents/",
            {"bank": "ZYBANK", "enterprise": enterprise.code},
            format="json",
        )
        .json()["id"]
    )
    client = api_client_for(bank_officer)

    assert client.post(f"/api/v1/matches/{match_id}/progress/", {"status": "failed"}, format="json").status_code == 400
    response = client.post(
        f"/api/v1/matches/{match_id}/progress/", {"status": "failed", "reason": "企业暂无需求"}, format="json"
    )
    assert response.json()["failure_reason"] == "企业暂无需求"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"bank": "NOPE"}, "bank"),
        ({"enterprise": "91350100M000100Y43"}, "enterprise"),
        ({"amount": "-5"}, "amount"),
    ],
)
def test_bad_intents_name_the_field(api_client_for, platform_admin, bank, enterprise, event, body, field):
    full = {"bank": "ZYBANK", "enterprise": enterprise.code, **body}

    response = api_client_for(platform_admin).post(
        f"/api/v1/matchmaking-events/{event['id']}/intents/", full, format="json"
    )

    assert response.status_code == 400 and field in response.json()["error"]["fields"]


def test_an_enterprise_outside_the_events_region_is_refused(api_client_for, platform_admin, bank, event):
    luoyang = OrganizationFactory(
        kind="enterprise", region_code="410302", code=make_uscc(region_code="410302", serial=7)
    )

    response = api_client_for(platform_admin).post(
        f"/api/v1/matchmaking-events/{event['id']}/intents/",
        {"bank": "ZYBANK", "enterprise": luoyang.code},
        format="json",
    )

    # The same answer as for a code nobody registered: an intent does not tell whether, or
    # where, an enterprise is registered.
    unknown = api_client_for(platform_admin).post(
        f"/api/v1/matchmaking-events/{event['id']}/intents/",
        {"bank": "ZYBANK", "enterprise": make_uscc(region_code="410100", serial=999_999)},
        format="json",
    )
    assert response.status_code == unknown.status_code == 400
    assert response.json()["error"]["fields"]["enterprise"] == unknown.json()["error"]["fields"]["enterprise"]
    assert "410302" not in str(response.json())
    assert not Match.objects.exists()


def test_an_organization_creates_events_only_inside_its_region(api_client_for, platform_admin):
    response = api_client_for(platform_admin).post(
        "/api/v1/matchmaking-events/",
        {"title": "跨区对接会", "region_code": "410300", "held_on": "2026-11-01"},
        format="json",
    )

    assert response.status_code == 400 and "region_code" in response.json()["error"]["fields"]


def test_a_bank_that_does_not_serve_the_events_region_owes_no_follow_up(
    api_client_for, platform_admin, enterprise, event
):
    far = OrganizationFactory(kind="bank", code="SHBANK", region_code="310000")

    response = api_client_for(platform_admin).post(
        f"/api/v1/matchmaking-events/{event['id']}/intents/",
        {"bank": far.code, "enterprise": enterprise.code},
        format="json",
    )

    assert response.status_code == 400 and "bank" in response.json()["error"]["fields"]
    assert not Match.objects.exists()


def test_events_and_their_matches_are_scoped(api_client_for, platform_admin, bank_officer, outsider, enterprise, event):
    match_id = (
        api_client_for(platform_admin)
        .post(
            f"/api/v1/matchmaking-events/{event['id']}/intents/",
            {"bank": "ZYBANK", "enterprise": enterprise.code},
            format="json",
        )
        .json()["id"]
    )
    other_platform_admin = UserFactory(organization=OrganizationFactory(kind="platform"), role="admin")

    assert api_client_for(other_platform_admin).get(f"/api/v1/matchmaking-events/{event['id']}/").status_code == 404
    assert (
        api_client_for(other_platform_admin)
        .post(
            f"/api/v1/matchmaking-events/{event['id']}/intents/",
            {"bank": "ZYBANK", "enterprise": enterprise.code},
            format="json",
        )
        .status_code
        == 404
    )
    assert api_client_for(outsider).get(f"/api/v1/matches/{match_id}/").status_code == 404
    assert api_client_for(bank_officer).get(f"/api/v1/matches/{match_id}/").status_code == 200
    assert (
        api_client_for(outsider)
        .post(f"/api/v1/matches/{match_id}/progress/", {"status": "contacted"}, format="json")
        .status_code
        == 404
    )


@pytest.mark.parametrize("persona", ["bank_officer", "enterprise_admin"])
def test_only_platforms_and_regulators_organize_events(request, api_client_for, persona):
    body = {"title": "x", "region_code": "410100", "held_on": "2026-11-20"}

    assert (
        api_client_for(request.getfixturevalue(persona))
        .post("/api/v1/matchmaking-events/", body, format="json")
        .status_code
        == 403
    )


def test_application_matches_follow_their_application_only(
    api_client_for, bank_officer, enterprise_admin, product, consent
):
    application = (
        api_client_for(enterprise_admin)
        .post(
            "/api/v1/applications/",
            {"product": product.pk, "amount": "800000.00", "term_months": 12, "purpose": "采购"},
            format="json",
        )
        .json()
    )
    match = Match.objects.get(application_id=application["id"])

    response = api_client_for(bank_officer).post(
        f"/api/v1/matches/{match.pk}/progress/", {"status": "contacted"}, format="json"
    )

    assert response.status_code == 403


# --- policy push -------------------------------------------------------------------------------------


def test_a_regulator_pushes_a_policy_to_the_enterprises_it_targets(
    api_client_for, regulator_user, enterprise, outsider, django_capture_on_commit_callbacks
):
    small_in_zhengzhou = enterprise  # region 410105, scale small, industry I65
    luoyang = outsider.organization  # region 410300
    beijing = OrganizationFactory(kind="enterprise", region_code="110105")
    body = {
        "title": "关于开展首贷培育的通知",
        "body": "符合条件的小微企业可申请首贷贴息。",
        "targeting": {"region_codes": ["410100"], "scales": ["small"], "industries": ["I"]},
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client_for(regulator_user).post("/api/v1/policies/", body, format="json")

    assert response.status_code == 201
    assert set(Notification.objects.filter(kind="policy").values_list("organization_id", flat=True)) == {
        small_in_zhengzhou.pk
    }
    assert Policy.objects.get().recipients == 1
    assert not Notification.objects.filter(organization__in=[luoyang, beijing]).exists()
    assert policy_push(policy_id=response.json()["id"]) == 0  # running it again sends nothing twice


def test_a_regulator_targets_only_inside_its_region(api_client_for, regulator_user):
    body = {"title": "t", "body": "b", "targeting": {"region_codes": ["110000"]}}

    response = api_client_for(regulator_user).post("/api/v1/policies/", body, format="json")

    assert response.status_code == 400 and "targeting" in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    "targeting",
    [{"scales": 5}, {"scales": [["small"]]}, {"region_codes": 5}, {"industries": 5}, {"whitelisted": "yes"}],
)
def test_malformed_targeting_is_400_naming_it(api_client_for, regulator_user, targeting):
    body = {"title": "t", "body": "b", "targeting": targeting}

    response = api_client_for(regulator_user).post("/api/v1/policies/", body, format="json")

    assert response.status_code == 400 and "targeting" in response.json()["error"]["fields"]
    assert not Policy.objects.exists()


@pytest.mark.parametrize("persona", ["bank_officer", "enterprise_admin", "platform_admin"])
def test_only_regulators_and_the_operator_publish_policies(request, api_client_for, persona):
    body = {"title": "t", "body": "b"}

    assert (
        api_client_for(request.getfixturevalue(persona)).post("/api/v1/policies/", body, format="json").status_code
        == 403
    )


def test_overdue_match_follow_ups_appear_in_matching_statistics(
    api_client_for, platform_admin, regulator_user, bank, enterprise, event
):
    api_client_for(platform_admin).post(
        f"/api/v1/matchmaking-events/{event['id']}/intents/",
        {"bank": "ZYBANK", "enterprise": enterprise.code},
        format="json",
    )
    Match.objects.update(contact_due_at=timezone.now() - timedelta(hours=1))

    rows = api_client_for(regulator_user).get("/api/v1/stats/matching/", {"group_by": "region"}).json()["rows"]

    assert rows == [
        {
            "key": "410100",
            "intents": 1,
            "contacted": 0,
            "signed": 0,
            "disbursed": 0,
            "failed": 0,
            "overdue_followups": 1,
            "signed_amount": "0.00",
            "disbursed_amount": "0.00",
            "conversion_rate": "0.0000",
        }
    ]


@pytest.mark.parametrize("returns_ids", [True, False])
def test_listings_become_matches_each_audited(bank, enterprise, platform_admin, monkeypatch, returns_ids):
    from django.db import connection, transaction

    from lending.services.matches import Listing, matches_create_for_listings

    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", returns_ids)
    listings = [
        Listing(bank, enterprise.code, enterprise.name, enterprise, whitelist_entry_id=1, intended_amount=None),
        Listing(bank, make_uscc(region_code="410105", serial=42), "未注册企业", None, 2, intended_amount=None),
    ]

    with transaction.atomic():
        matches = matches_create_for_listings(listings=listings, category="tech", contact_days=30, actor=platform_admin)

    assert [match.enterprise_code for match in matches] == [listing.uscc for listing in listings]
    assert matches[1].region_code == "410105" and matches[1].enterprise is None
    audited = AuditEvent.objects.filter(action="match.intent").values_list("object_id", "organization_id")
    assert set(audited) == {(str(matches[0].pk), enterprise.pk), (str(matches[1].pk), bank.pk)}
