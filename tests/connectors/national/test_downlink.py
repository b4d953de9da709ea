"""Demands posted on the national platform become open demands of the hub; banks of the
region claim them as usual, and each step goes back up as an outcome."""

from decimal import Decimal

import pytest

from connectors.models import NationalDemand, NationalLink, UplinkFact
from connectors.national.downlink import national_demands_pull
from lending.models import Application
from lending.services.applications import application_claim, application_transition
from tests.connectors.national.test_uplink import drain_until_quiet
from tests.hub.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def post(node, demand_id: str, uscc: str, region_code: str = "410105", amount: str = "300000.00"):
    node.server.add_demand(demand_id=demand_id, uscc=uscc, region_code=region_code, amount=amount, term_months=12)


def test_a_national_demand_is_claimed_in_the_hub_and_its_outcome_goes_up(national_link, enterprise, bank_officer):
    post(national_link, "CN-2027-000001", enterprise.code)

    assert national_demands_pull() == 1

    demand = NationalDemand.objects.get(national_id="CN-2027-000001")
    application = Application.objects.get(pk=demand.application_id)
    assert (application.enterprise, application.product, application.status) == (enterprise, None, "submitted")
    assert application.amount == Decimal("300000.00")
    # Not reported back up as a new demand: the national platform posted it.
    assert not UplinkFact.objects.filter(fact_type="financing_demand").exists()

    application_claim(actor=bank_officer, application_id=application.pk)
    application_transition(actor=bank_officer, application_id=application.pk, action="reject", reason_code="other")
    drain_until_quiet()

    outcomes = [fact["data"] for fact in national_link.server.facts() if fact["type"] == "financing_demand_outcome"]
    assert [(o["demand_id"], o["origin"], o["status"], o["bank_code"]) for o in outcomes] == [
        ("CN-2027-000001", "national", "claimed", "ZYBANK"),
        ("CN-2027-000001", "national", "rejected", "ZYBANK"),
    ]


def test_a_page_asked_again_places_nothing_twice_and_the_cursor_moves_on(national_link, enterprise):
    for n in range(120):
        post(national_link, f"CN-{n:04d}", enterprise.code)

    assert national_demands_pull() == 120
    NationalLink.objects.filter(pk=1).update(demands_cursor="50")  # as if the last pages' cursor was lost
    assert national_demands_pull() == 0

    assert Application.objects.count() == 120
    assert NationalLink.get().demands_cursor == "120"
    post(national_link, "CN-LATE", enterprise.code)
    assert national_demands_pull() == 1


def test_a_demand_the_hub_cannot_place_is_reported_unplaced(national_link):
    unverified = OrganizationFactory(kind="enterprise", region_code="410105", verification="unverified")
    post(national_link, "CN-A", unverified.code)
    post(national_link, "CN-C", unverified.code, region_code="320100")  # another province
    post(national_link, "CN-D", "not-a-uscc")  # breaks the schema: skipped

    national_demands_pull()
    drain_until_quiet()

    reasons = dict(NationalDemand.objects.values_list("national_id", "reason"))
    assert reasons["CN-A"] == "enterprise_unverified"
    assert reasons["CN-C"] == "outside_province"
    assert "CN-D" not in reasons
    assert not Application.objects.exists()
    unplaced = {
        fact["data"]["demand_id"]: fact["data"]["reason_code"]
        for fact in national_link.server.facts()
        if fact["type"] == "financing_demand_outcome"
    }
    assert unplaced["CN-A"] == "enterprise_unverified" and unplaced["CN-C"] == "outside_province"


def test_nothing_comes_down_while_the_link_is_paused(national_link, enterprise, operator):
    from connectors.national.uplink import national_link_pause

    national_link_pause(actor=operator)
    post(national_link, "CN-P", enterprise.code)
    assert national_demands_pull() == 0
    assert not NationalDemand.objects.exists()
