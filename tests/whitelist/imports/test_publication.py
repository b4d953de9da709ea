"""Whitelists published: maker-checker, the diff, who sees them, follow-up matches for banks."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from hub.models import AuditEvent
from lending.models import Match
from tests.hub.factories import OrganizationFactory, UserFactory
from tests.lending.factories import ProductFactory
from tests.whitelist.imports.helpers import csv_bytes, run, upload, uscc
from whitelist.models import Whitelist, WhitelistImport

pytestmark = pytest.mark.django_db


def test_the_importer_cannot_publish_a_colleague_can(api_client_for, platform_admin, checker, whitelist):
    run(upload(api_client_for(platform_admin), whitelist["id"], csv_bytes(f"{uscc(80)},甲,,,")))

    refused = api_client_for(platform_admin).post(f"/api/v1/whitelists/{whitelist['id']}/publish/")
    published = api_client_for(checker).post(f"/api/v1/whitelists/{whitelist['id']}/publish/")

    assert refused.status_code == 403 and refused.json()["error"]["code"] == "maker_checker"
    assert published.status_code == 200
    assert published.json()["status"] == "published"
    assert (published.json()["version"], published.json()["added"]) == (1, 1)
    entries = api_client_for(checker).get(f"/api/v1/whitelists/{whitelist['id']}/entries/").json()["results"]
    assert [(row["uscc"], row["name"]) for row in entries] == [(uscc(80), "甲")]


def test_the_diff_counts_added_removed_and_changed(api_client_for, platform_admin, checker, whitelist):
    importer = api_client_for(platform_admin)
    run(upload(importer, whitelist["id"], csv_bytes(f"{uscc(90)},甲,,,", f"{uscc(91)},乙,,,")))
    api_client_for(checker).post(f"/api/v1/whitelists/{whitelist['id']}/publish/")
    run(upload(importer, whitelist["id"], csv_bytes(f"{uscc(91)},乙,,2.00,", f"{uscc(92)},丙,,,")))

    assert importer.get(f"/api/v1/whitelists/{whitelist['id']}/diff/").json() == {
        "added": 1,
        "removed": 1,
        "changed": 1,
    }
    second = api_client_for(checker).post(f"/api/v1/whitelists/{whitelist['id']}/publish/").json()
    assert (second["version"], second["entries"], second["added"], second["removed"], second["changed"]) == (
        2,
        2,
        1,
        1,
        1,
    )
    # The first version stays frozen.
    assert Whitelist.objects.get().versions.get(number=1).entries.count() == 2


def test_other_organizations_cannot_read_or_change_a_whitelist(api_client_for, whitelist, bank_officer, outsider):
    other_platform = UserFactory(organization=OrganizationFactory(kind="platform"), role="admin")
    for intruder in (api_client_for(other_platform), api_client_for(bank_officer), api_client_for(outsider)):
        assert intruder.get(f"/api/v1/whitelists/{whitelist['id']}/").status_code == 404
        assert upload(intruder, whitelist["id"], csv_bytes(f"{uscc(99)},甲,,,")).status_code == 404
        assert intruder.post(f"/api/v1/whitelists/{whitelist['id']}/publish/").status_code == 404
    assert not WhitelistImport.objects.exists()


def test_a_regulator_over_the_region_reads_it(api_client_for, regulator_user, whitelist):
    assert api_client_for(regulator_user).get(f"/api/v1/whitelists/{whitelist['id']}/").status_code == 200


@pytest.mark.parametrize("persona", ["bank_officer", "enterprise_admin"])
def test_only_platforms_and_regulators_create_whitelists(request, api_client_for, persona):
    body = {"name": "x", "kind": "local", "region_code": "410100"}

    assert (
        api_client_for(request.getfixturevalue(persona)).post("/api/v1/whitelists/", body, format="json").status_code
        == 403
    )


def test_published_entries_become_follow_up_matches_for_banks_serving_the_region(
    api_client_for, platform_admin, checker, whitelist, bank, enterprise, django_capture_on_commit_callbacks
):
    far_bank = OrganizationFactory(kind="bank", code="FAR", region_code="110000")
    unregistered = uscc(101)
    run(
        upload(
            api_client_for(platform_admin),
            whitelist["id"],
            csv_bytes(f"{enterprise.code},{enterprise.name},专精特新,800000.00,", f"{unregistered},未注册企业,,,"),
        )
    )

    with django_capture_on_commit_callbacks(execute=True):
        api_client_for(checker).post(f"/api/v1/whitelists/{whitelist['id']}/publish/")

    matches = Match.objects.filter(source="whitelist")
    assert {(m.bank_id, m.enterprise_code) for m in matches} == {(bank.pk, enterprise.code), (bank.pk, unregistered)}
    assert not matches.filter(bank=far_bank).exists()
    registered = matches.get(enterprise_code=enterprise.code)
    assert registered.enterprise == enterprise and registered.intended_amount == Decimal("800000.00")
    assert registered.contact_due_at.date() == (registered.created_at + timedelta(days=30)).date()
    # Each match is audited in the enterprise's chain, or the bank's for one not registered.
    created = {event.object_id: event for event in AuditEvent.objects.filter(action="match.intent")}
    assert set(created) == {str(match.pk) for match in matches}
    assert created[str(registered.pk)].organization_id == enterprise.pk
    assert created[str(matches.get(enterprise_code=unregistered).pk)].organization_id == bank.pk
    from whitelist.services.whitelists import new_entries_push

    version = Whitelist.objects.get().current_version
    assert new_entries_push(version_id=version.pk, previous_version_id=None, actor_id=checker.pk) == 0  # idempotent


def test_coverage_and_overdue_follow_ups(
    api_client_for,
    platform_admin,
    checker,
    whitelist,
    bank,
    bank_officer,
    enterprise,
    regulator_user,
    django_capture_on_commit_callbacks,
):
    run(
        upload(
            api_client_for(platform_admin),
            whitelist["id"],
            csv_bytes(f"{enterprise.code},{enterprise.name},,,", f"{uscc(111)},乙,,,"),
        )
    )
    with django_capture_on_commit_callbacks(execute=True):
        api_client_for(checker).post(f"/api/v1/whitelists/{whitelist['id']}/publish/")
    contacted = Match.objects.get(enterprise_code=enterprise.code)
    api_client_for(bank_officer).post(
        f"/api/v1/matches/{contacted.pk}/progress/", {"status": "signed", "amount": "500000.00"}, format="json"
    )
    Match.objects.filter(enterprise_code=uscc(111)).update(contact_due_at=timezone.now() - timedelta(days=1))

    coverage = api_client_for(regulator_user).get(f"/api/v1/whitelists/{whitelist['id']}/coverage/").json()
    overdue = api_client_for(platform_admin).get(f"/api/v1/whitelists/{whitelist['id']}/overdue/").json()["results"]

    assert coverage == {
        "listed": 2,
        "contacted": 1,
        "credit_granted": 1,
        "signed_amount": "500000.00",
        "disbursed_amount": "0.00",
        "overdue": 1,
    }
    assert [row["enterprise"] for row in overdue] == [uscc(111)]


def test_banks_see_memberships_and_applications_carry_the_flag(
    api_client_for, platform_admin, checker, whitelist, bank, bank_officer, enterprise, enterprise_admin
):
    from tests.connectors.factories import AuthorizationFactory

    run(
        upload(
            api_client_for(platform_admin), whitelist["id"], csv_bytes(f"{enterprise.code},{enterprise.name},推荐,,")
        )
    )
    api_client_for(checker).post(f"/api/v1/whitelists/{whitelist['id']}/publish/")

    memberships = api_client_for(bank_officer).get("/api/v1/whitelist-memberships/", {"uscc": enterprise.code}).json()
    # A list, like every list of the API: {"results": [...], "next": …}.
    assert memberships["next"] is None
    assert [(row["name"], row["reason"], row["version"]) for row in memberships["results"]] == [
        ("郑州市专精特新企业白名单", "推荐", 1)
    ]
    lower = api_client_for(bank_officer).get("/api/v1/whitelist-memberships/", {"uscc": enterprise.code.lower()})
    assert lower.json() == memberships  # codes are read as upper case, as everywhere
    bad = api_client_for(bank_officer).get("/api/v1/whitelist-memberships/", {"uscc": "not-a-code"})
    assert bad.status_code == 400 and "uscc" in bad.json()["error"]["fields"]
    assert (
        api_client_for(enterprise_admin).get("/api/v1/whitelist-memberships/", {"uscc": enterprise.code}).status_code
        == 403
    )

    product = ProductFactory(bank=bank, eligibility={"whitelist_required": True})
    AuthorizationFactory(enterprise=enterprise, bank=bank, granted_by=enterprise_admin)
    application = (
        api_client_for(enterprise_admin)
        .post(
            "/api/v1/applications/",
            {"product": product.pk, "amount": "200000.00", "term_months": 12, "purpose": "研发"},
            format="json",
        )
        .json()
    )
    assert application["whitelisted"] is True
    rules = api_client_for(enterprise_admin).get("/api/v1/recommendations/").json()[0]["rules"]
    assert rules == [{"rule": "whitelist_required", "result": "passed", "detail": rules[0]["detail"]}]

    api_client_for(checker).post(f"/api/v1/whitelists/{whitelist['id']}/archive/")
    after = api_client_for(bank_officer).get("/api/v1/whitelist-memberships/", {"uscc": enterprise.code}).json()
    assert after == {"results": [], "next": None}


def test_publishing_an_unchanged_draft_again_is_refused(api_client_for, platform_admin, checker, whitelist):
    run(upload(api_client_for(platform_admin), whitelist["id"], csv_bytes(f"{uscc(120)},甲,,,")))
    api_client_for(checker).post(f"/api/v1/whitelists/{whitelist['id']}/publish/")

    again = api_client_for(checker).post(f"/api/v1/whitelists/{whitelist['id']}/publish/")

    assert again.status_code == 409 and again.json()["error"]["code"] == "nothing_changed"


def test_an_archived_whitelist_refuses_uploads_with_409(api_client_for, platform_admin, whitelist):
    client = api_client_for(platform_admin)
    client.post(f"/api/v1/whitelists/{whitelist['id']}/archive/")

    response = upload(client, whitelist["id"], csv_bytes(f"{uscc(130)},甲,,,"))

    assert response.status_code == 409 and response.json()["error"]["code"] == "archived"


def test_a_failed_import_does_not_make_its_uploader_the_maker(api_client_for, platform_admin, checker, whitelist):
    run(upload(api_client_for(platform_admin), whitelist["id"], csv_bytes(f"{uscc(121)},甲,,,")))
    run(upload(api_client_for(checker), whitelist["id"], b"code,title\nx,y\n"))  # fails: no header

    assert api_client_for(checker).post(f"/api/v1/whitelists/{whitelist['id']}/publish/").status_code == 200


def test_a_passing_database_error_in_the_follow_up_push_is_retried(
    api_client_for, platform_admin, checker, whitelist, bank, enterprise, monkeypatch
):
    from django.db import OperationalError

    from whitelist import tasks

    run(upload(api_client_for(platform_admin), whitelist["id"], csv_bytes(f"{enterprise.code},{enterprise.name},,,")))
    monkeypatch.setattr(tasks.push_new_entries, "delay_on_commit", lambda *args: None)  # delivered by hand below
    api_client_for(checker).post(f"/api/v1/whitelists/{whitelist['id']}/publish/")
    version = Whitelist.objects.get().current_version
    real_push, calls = tasks.new_entries_push, []

    def fails_once(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real_push(**kwargs)

    monkeypatch.setattr(tasks, "new_entries_push", fails_once)
    result = tasks.push_new_entries.apply(args=(version.pk, None, checker.pk), throw=False)  # eager: retried at once

    assert result.get() == 1 and len(calls) == 2
    assert Match.objects.filter(source="whitelist", bank=bank, enterprise_code=enterprise.code).count() == 1
