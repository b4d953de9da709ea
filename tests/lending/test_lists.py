"""A page and the API list applications and matches through one selector each, so the same
filter gives the same rows."""

from decimal import Decimal

import pytest

from lending.models import Match
from lending.selectors.applications import application_list
from lending.selectors.matches import match_list
from lending.services.applications import application_submit, application_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_applications(enterprise_admin, bank_officer, product, consent):
    def submit():
        return application_submit(
            actor=enterprise_admin, product_id=product.pk, amount=Decimal("200000.00"), term_months=12, purpose="周转"
        )

    submitted, accepted, rejected = submit(), submit(), submit()
    application_transition(actor=bank_officer, application_id=accepted.pk, action="accept")
    application_transition(
        actor=bank_officer, application_id=rejected.pk, action="reject", reason_code="credit_record", reason="记录"
    )
    return submitted, accepted, rejected


def test_in_progress_means_not_yet_at_an_end(bank_officer, three_applications):
    submitted, accepted, _rejected = three_applications

    listed = application_list(user=bank_officer, filters={"status": "in_progress"})

    assert {application.pk for application in listed} == {submitted.pk, accepted.pk}


def test_the_api_and_the_workbench_list_the_same_applications_for_a_status(
    bank_officer, three_applications, api_client_for, client
):
    api = api_client_for(bank_officer).get("/api/v1/applications/", {"status": "accepted"}).json()["results"]
    client.force_login(bank_officer)
    page = client.get("/applications/", {"status": "accepted"}).content.decode()

    assert [row["id"] for row in api] == [three_applications[1].pk]
    assert f'data-application="{three_applications[1].pk}"' in page
    assert f'data-application="{three_applications[0].pk}"' not in page


def test_open_matches_are_those_a_bank_still_works_on(bank_officer, three_applications):
    statuses = {match.status for match in match_list(user=bank_officer, filters={"status": "open"})}

    # The rejected application's match failed; the other two are still being worked on.
    assert statuses and statuses <= set(Match.OPEN_STATUSES)
