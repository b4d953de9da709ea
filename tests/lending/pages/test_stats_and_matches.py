"""Lending pages: the regulators' dashboard, matchmaking events and follow-up."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from hub.identifiers import make_uscc
from lending.models import Application, Match, MatchmakingEvent
from lending.services.applications import application_transition
from lending.services.matches import Messages as MatchMessages
from tests.lending.pages.helpers import TODAY, english, field_errors, submit

pytestmark = pytest.mark.django_db


def test_the_dashboard_shows_the_numbers_and_charts_of_the_region(logged_in, regulator_user, lending_history):
    response = logged_in(regulator_user).get("/dashboard/?group_by=region")

    html = response.content.decode()
    assert response.status_code == 200
    row = re.search(r'<tr data-key="410100">.*?</tr>', html, re.S).group(0)
    assert '<td class="num" data-col="applications">2</td>' in row
    assert '<td class="num" data-col="disbursed">1</td>' in row
    assert 'data-col="disbursed_amount">600,000.00</td>' in row
    assert 'data-testid="total-disbursed-amount">600,000.00<' in html
    assert html.count("<svg") == 5 and '<rect class="bar s0"' in html
    assert 'data-testid="overdue-applications">0<' in html


def test_the_dashboard_groups_by_bank(logged_in, regulator_user, lending_history):
    html = logged_in(regulator_user).get("/dashboard/?group_by=bank").content.decode()

    assert '<tr data-key="ZYBANK">' in html and "中原银行" in html


def test_the_dashboard_counts_overdue_applications(logged_in, operator, enterprise_admin, product, consent):
    late = submit(enterprise_admin, product)
    Application.objects.filter(pk=late.pk).update(accept_due_at=timezone.now() - timedelta(days=1))

    html = logged_in(operator).get("/dashboard/").content.decode()

    assert 'data-testid="overdue-applications">1<' in html


@pytest.mark.parametrize(
    "query, field",
    [
        ("group_by=colour", "group_by"),
        ("date_from=2026-03-01&date_to=2026-01-01", "date_from"),
        ("date_to=x", "date_to"),
    ],
)
def test_a_bad_dashboard_query_is_named_next_to_its_field(logged_in, regulator_user, query, field):
    response = logged_in(regulator_user).get(f"/dashboard/?{query}")

    assert response.status_code == 400
    assert field_errors(response.content.decode(), field)


@pytest.mark.parametrize("file_format, content_type", [("csv", "text/csv"), ("xlsx", "application/vnd.openxmlformats")])
def test_the_export_links_download_the_statistics(
    logged_in, regulator_user, lending_history, file_format, content_type
):
    client = logged_in(regulator_user)
    html = client.get("/dashboard/?group_by=region").content.decode()

    link = re.search(rf'href="([^"]+)" data-testid="export-lending-{file_format}"', html).group(1).replace("&amp;", "&")
    response = client.get(link)

    assert link.startswith("/api/v1/stats/lending/export/?group_by=region&from=")
    assert response.status_code == 200 and response["Content-Type"].startswith(content_type)
    if file_format == "csv":
        assert "410100,2," in response.content.decode("utf-8-sig")
    matching = re.search(rf'href="([^"]+)" data-testid="export-matching-{file_format}"', html).group(1)
    assert client.get(matching.replace("&amp;", "&")).status_code == 200


def test_a_platform_creates_an_event_records_an_intent_and_the_bank_follows_it_up(
    logged_in, client, platform_admin, bank_officer, enterprise
):
    # the platform creates an event and records an intent through the forms
    client.force_login(platform_admin)
    response = client.post(
        "/events/", {"title": "郑州市政银企对接会", "region_code": "410100", "held_on": TODAY, "description": ""}
    )
    event = MatchmakingEvent.objects.get()
    assert response["Location"] == f"/events/{event.pk}/"
    response = client.post(
        f"/events/{event.pk}/", {"bank": "ZYBANK", "enterprise": enterprise.code, "amount": "500000", "category": ""}
    )
    match = Match.objects.get()
    assert response.status_code == 302 and match.event == event and match.status == "intent"
    assert f'data-match="{match.pk}"' in client.get(f"/events/{event.pk}/").content.decode()

    # the bank sees it to follow up, and records contact, then signing
    client.force_login(bank_officer)
    assert f'data-match="{match.pk}" data-status="intent"' in client.get("/matches/").content.decode()
    prefix = f"match-{match.pk}"
    assert client.post(f"/matches/{match.pk}/progress/", {f"{prefix}-status": "contacted"}).status_code == 302
    refused = client.post(f"/matches/{match.pk}/progress/", {f"{prefix}-status": "signed", f"{prefix}-amount": ""})
    assert refused.status_code == 400
    assert field_errors(refused.content.decode(), "amount") == [english(MatchMessages.AMOUNT_NEEDED)]
    client.post(f"/matches/{match.pk}/progress/", {f"{prefix}-status": "signed", f"{prefix}-amount": "450000"})
    match.refresh_from_db()
    assert match.status == "signed" and match.signed_amount == Decimal("450000.00")


def test_an_intent_for_an_unknown_enterprise_is_named_next_to_the_field(logged_in, platform_admin, bank):
    client = logged_in(platform_admin)
    client.post("/events/", {"title": "对接会", "region_code": "410100", "held_on": TODAY})
    event = MatchmakingEvent.objects.get()
    unknown = make_uscc(region_code="410100", serial=987654)

    response = client.post(f"/events/{event.pk}/", {"bank": "ZYBANK", "enterprise": unknown, "amount": "1"})

    assert response.status_code == 400
    assert field_errors(response.content.decode(), "enterprise") == [english(MatchMessages.NOT_IN_EVENT_REGION)]
    assert f'value="{unknown}"' in response.content.decode()


def test_the_event_form_names_a_bad_region(logged_in, regulator_user):
    response = logged_in(regulator_user).post("/events/", {"title": "对接会", "region_code": "99", "held_on": TODAY})

    assert response.status_code == 400 and field_errors(response.content.decode(), "region_code")


def test_only_organizers_create_events_and_others_do_not_see_foreign_ones(
    logged_in, bank_officer, outsider, platform_admin
):
    client = logged_in(platform_admin)
    client.post("/events/", {"title": "对接会", "region_code": "410100", "held_on": TODAY})
    event = MatchmakingEvent.objects.get()

    assert logged_in(bank_officer).post("/events/", {"title": "x"}).status_code == 403
    assert logged_in(outsider).get(f"/events/{event.pk}/").status_code == 404


def test_matches_from_applications_follow_their_application_and_offer_no_form(
    logged_in, enterprise_admin, bank_officer, product, consent
):
    application = submit(enterprise_admin, product)
    application_transition(actor=bank_officer, application_id=application.pk, action="accept")
    match = Match.objects.get(application=application)

    client = logged_in(bank_officer)
    row = re.search(rf'<tr data-match="{match.pk}".*?</tr>', client.get("/matches/").content.decode(), re.S).group(0)

    assert 'data-testid="progress-form"' not in row and f'href="/applications/{application.pk}/"' in row
    response = client.post(f"/matches/{match.pk}/progress/", {f"match-{match.pk}-status": "failed"}, follow=True)
    assert "cannot be moved from here" in response.content.decode()
