"""Applications per API.md: submission rules, every action from every state, open demands,
timeline, matches, notices and audit."""

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from hub.models import AuditEvent, Notification
from lending.models import Application, Match
from lending.services.applications import TRANSITIONS
from tests.hub.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/applications/"
TODAY = timezone.localdate().isoformat()
BODIES = {
    "accept": {},
    "approve": {
        "amount": "500000.00",
        "rate": "3.8500",
        "term_months": 12,
        "guarantee": "credit",
        "first_loan": True,
        "pure_credit": True,
    },
    "reject": {"reason_code": "credit_record", "reason": "近三年有严重失信记录"},
    "sign": {"contract_no": "HT-2026-001", "amount": "500000.00", "signed_on": TODAY},
    "disburse": {"amount": "500000.00", "disbursed_on": TODAY},
    "withdraw": {"reason": "不再需要"},
}
# The path from submission to each state, as actions.
PATHS = {
    "submitted": [],
    "accepted": ["accept"],
    "approved": ["accept", "approve"],
    "rejected": ["reject"],
    "signed": ["accept", "approve", "sign"],
    "disbursed": ["accept", "approve", "sign", "disburse"],
    "withdrawn": ["withdraw"],
}


def apply(client, to_product, **overrides):
    body = {
        "product": to_product.pk if to_product else None,
        "amount": "800000.00",
        "term_months": 12,
        "purpose": "采购原材料",
    }
    body.update(overrides)
    return client.post(URL, body, format="json")


def act(clients, application_id, action):
    client = clients["enterprise"] if TRANSITIONS[action].by == "enterprise" else clients["bank"]
    return client.post(f"{URL}{application_id}/{action}/", BODIES[action], format="json")


@pytest.fixture
def clients(api_client_for, enterprise_admin, bank_officer):
    return {"enterprise": api_client_for(enterprise_admin), "bank": api_client_for(bank_officer)}


def test_an_enterprise_applies_to_a_product(clients, product, consent, enterprise):
    response = apply(clients["enterprise"], product)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert {key: body[key] for key in ("status", "product", "bank", "amount", "term_months")} == {
        "status": "submitted",
        "product": product.pk,
        "bank": "ZYBANK",
        "amount": "800000.00",
        "term_months": 12,
    }
    assert body["accept_due_at"] > body["submitted_at"]
    match = Match.objects.get(application_id=body["id"])
    assert (match.source, match.status, match.bank_id) == ("application", "intent", product.bank_id)
    assert AuditEvent.objects.filter(action="application.submitted", organization_id=enterprise.pk).exists()


def test_applying_needs_an_authorization_of_the_products_bank(clients, product):
    response = apply(clients["enterprise"], product)

    assert response.status_code == 400 and "product" in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"amount": "50000.00"}, "amount"),
        ({"amount": "9000000.00"}, "amount"),
        ({"term_months": 48}, "term_months"),
        ({"amount": "-1"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"term_months": "twelve"}, "term_months"),
        ({"purpose": ""}, "purpose"),
        ({"product": 999999}, "product"),
    ],
)
def test_bad_applications_name_the_field(clients, product, consent, overrides, field):
    response = apply(clients["enterprise"], product, **overrides)

    assert response.status_code == 400 and field in response.json()["error"]["fields"]
    assert not Application.objects.exists()


@pytest.mark.parametrize("persona", ["bank_officer", "regulator_user", "platform_admin"])
def test_only_enterprises_apply(request, api_client_for, product, persona):
    assert apply(api_client_for(request.getfixturevalue(persona)), product).status_code == 403


@pytest.mark.parametrize("state", list(PATHS))
@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_every_action_from_every_state(clients, product, consent, state, action):
    application_id = apply(clients["enterprise"], product).json()["id"]
    for step in PATHS[state]:
        assert act(clients, application_id, step).status_code == 200, step

    response = act(clients, application_id, action)

    if state in TRANSITIONS[action].sources:
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == TRANSITIONS[action].target
    else:
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "wrong_state"
        assert Application.objects.get(pk=application_id).status == state


def test_the_whole_way_leaves_a_timeline_a_match_notices_and_an_audit_trail(clients, product, consent, enterprise):
    application_id = apply(clients["enterprise"], product).json()["id"]
    for step in PATHS["disbursed"]:
        act(clients, application_id, step)

    detail = clients["enterprise"].get(f"{URL}{application_id}/").json()
    assert [step["to_status"] for step in detail["timeline"]] == [
        "submitted",
        "accepted",
        "approved",
        "signed",
        "disbursed",
    ]
    assert (detail["approved_amount"], detail["rate"], detail["first_loan"]) == ("500000.00", "3.8500", True)
    assert (detail["contract_no"], detail["disbursed_amount"]) == ("HT-2026-001", "500000.00")
    match = Match.objects.get(application_id=application_id)
    assert (match.status, match.signed_amount, match.disbursed_amount) == ("disbursed", 500000, 500000)
    assert Notification.objects.filter(organization=enterprise, kind="application").count() == 4
    assert AuditEvent.objects.filter(object_type="application", object_id=str(application_id)).count() == 5


def test_a_rejection_needs_a_reason_code_from_the_list(clients, product, consent):
    application_id = apply(clients["enterprise"], product).json()["id"]

    response = clients["bank"].post(f"{URL}{application_id}/reject/", {"reason_code": "bad vibes"}, format="json")

    assert response.status_code == 400 and "reason_code" in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    "step, body, field",
    [
        ("approve", {**BODIES["approve"], "amount": "900000.00"}, "amount"),
        ("approve", {**BODIES["approve"], "guarantee": "hope"}, "guarantee"),
        ("sign", {**BODIES["sign"], "signed_on": (timezone.localdate() + timedelta(days=2)).isoformat()}, "signed_on"),
        ("sign", {**BODIES["sign"], "amount": "600000.00"}, "amount"),
    ],
)
def test_decision_details_are_checked(clients, product, consent, step, body, field):
    application_id = apply(clients["enterprise"], product).json()["id"]
    for earlier in PATHS["approved" if step == "sign" else "accepted"]:
        act(clients, application_id, earlier)

    response = clients["bank"].post(f"{URL}{application_id}/{step}/", body, format="json")

    assert response.status_code == 400 and field in response.json()["error"]["fields"]


def test_other_organizations_neither_see_nor_move_an_application(clients, product, consent, api_client_for, outsider):
    application_id = apply(clients["enterprise"], product).json()["id"]
    other_bank_officer = UserFactory(organization=OrganizationFactory(kind="bank"))

    for intruder in (api_client_for(outsider), api_client_for(other_bank_officer)):
        assert intruder.get(f"{URL}{application_id}/").status_code == 404
        assert intruder.post(f"{URL}{application_id}/accept/").status_code == 404
        assert intruder.get(URL).json()["results"] == []


def test_the_enterprise_cannot_decide_and_the_bank_cannot_withdraw(clients, product, consent):
    application_id = apply(clients["enterprise"], product).json()["id"]

    assert clients["enterprise"].post(f"{URL}{application_id}/accept/").status_code == 403
    assert clients["bank"].post(f"{URL}{application_id}/withdraw/").status_code == 403


def test_overdue_applications_are_flagged(clients, product, consent):
    application_id = apply(clients["enterprise"], product).json()["id"]
    Application.objects.filter(pk=application_id).update(accept_due_at=timezone.now() - timedelta(minutes=1))

    rows = clients["bank"].get(URL, {"status": "submitted"}).json()["results"]

    assert rows[0]["overdue"] is True


# --- open demands ---------------------------------------------------------------------------------


def test_an_open_demand_is_visible_to_banks_serving_the_region_and_claimed_by_one(clients, enterprise, api_client_for):
    far_bank_officer = UserFactory(organization=OrganizationFactory(kind="bank", code="FAR", region_code="110000"))
    demand = apply(clients["enterprise"], None).json()
    assert (demand["status"], demand["bank"], demand["category"]) == ("submitted", None, "open_demand")

    assert [row["id"] for row in clients["bank"].get(URL, {"open": "true"}).json()["results"]] == [demand["id"]]
    assert api_client_for(far_bank_officer).get(URL, {"open": "true"}).json()["results"] == []
    assert api_client_for(far_bank_officer).post(f"{URL}{demand['id']}/claim/").status_code == 404

    claimed = clients["bank"].post(f"{URL}{demand['id']}/claim/")

    assert claimed.status_code == 200
    assert (claimed.json()["status"], claimed.json()["bank"]) == ("accepted", "ZYBANK")
    assert clients["bank"].post(f"{URL}{demand['id']}/claim/").status_code == 409
    assert Match.objects.get(application_id=demand["id"]).status == "contacted"


def test_claiming_an_application_to_a_product_is_not_possible(clients, product, consent):
    application_id = apply(clients["enterprise"], product).json()["id"]

    assert clients["bank"].post(f"{URL}{application_id}/claim/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_claims_have_exactly_one_winner(enterprise_admin):
    """On PostgreSQL and on the embedded SQLite alike: the losers get the 409 of API.md, never
    "database is locked"."""
    from lending.services.applications import application_claim, application_submit

    demand = application_submit(actor=enterprise_admin, product_id=None, amount=1, term_months=12, purpose="周转")
    officers = [UserFactory(organization=OrganizationFactory(kind="bank", region_code="410000")) for _ in range(20)]
    barrier = threading.Barrier(len(officers))
    outcomes = []

    def claim(officer):
        try:
            barrier.wait()
            application_claim(actor=officer, application_id=demand.pk)
            outcomes.append("won")
        except Exception as error:
            outcomes.append(error.__class__.__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(officer,)) for officer in officers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("won") == 1
    assert outcomes.count("Conflict") == 19
    demand.refresh_from_db()
    assert demand.status == "accepted" and Match.objects.filter(application=demand).count() == 1


def test_the_operator_cannot_move_an_unclaimed_open_demand(clients, api_client_for, operator):
    demand = apply(clients["enterprise"], None).json()

    response = api_client_for(operator).post(f"{URL}{demand['id']}/accept/")

    assert response.status_code == 404
    assert Application.objects.get(pk=demand["id"]).status == "submitted"
